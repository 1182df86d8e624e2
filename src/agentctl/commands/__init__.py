"""One module per CLI verb. Each takes parsed options, calls the pipeline, returns an exit code."""
