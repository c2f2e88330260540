"""Statutory fees (法定手数料) shown before sending: a dated, configured table per procedure."""
