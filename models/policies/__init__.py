"""Policies (政务公开): published documents, their passages and the hybrid passage search over them."""
