"""The SCD-1 public verifier: one stdlib-only file, also imported by the platform."""
