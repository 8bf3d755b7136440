"""DOJ bulk criminal-history files: columns, records, routing, streaming, byte ranges, offsets."""
