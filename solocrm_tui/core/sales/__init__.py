"""Sales: orders, deals and the pipeline board, campaigns and their results."""
