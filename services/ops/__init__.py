"""Operations: metrics, logs, security headers."""
