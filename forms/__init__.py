"""Procedure catalogue, declarative specs and the WTForms generated from them."""
