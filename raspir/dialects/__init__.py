"""raspir's dialects, one module per IR level, plus the shared value encoding."""
