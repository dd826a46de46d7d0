"""Data protection by design: erasure on request (AVG article 17); see docs/privacy.md once written."""
