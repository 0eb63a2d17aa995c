"""Rendering published reports: figures (matplotlib), HTML and Markdown (Jinja2), PDF
(WeasyPrint, from the same HTML). Everything renders offline with the fonts matplotlib ships."""
