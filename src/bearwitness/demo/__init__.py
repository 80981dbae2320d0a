"""A FICTIONAL demo archive, generated, modeled on the situation in DESIGN.md section 1."""
