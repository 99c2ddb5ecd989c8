"""What bot/ and workers/ both need: settings, errors, job descriptions, GitHub App auth."""
