"""docpipe's AWS infrastructure: one CDK stack that wires the resources to the ASL file."""
