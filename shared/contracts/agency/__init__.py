"""Contracts agencies publish on `collab.in.<agency>.…`: one module per context of the subject."""
