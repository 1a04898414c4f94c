"""Base layers of the city: boundary, 町丁目, roads, rivers and water."""
