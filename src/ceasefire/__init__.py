"""ceasefire: ceasefire monitoring and enforcement."""
