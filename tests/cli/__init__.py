"""tools/nngcat against NNG's nngcat: parsing in-process, output side by side."""
