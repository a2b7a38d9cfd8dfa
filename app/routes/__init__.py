"""Server-rendered pages and the operational endpoints."""
