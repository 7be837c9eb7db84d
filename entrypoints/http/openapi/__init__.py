"""What the OpenAPI document and its pages are made of beyond the routes themselves:
operation ids, request and response examples, and the documentation pages."""
