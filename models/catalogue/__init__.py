"""The service catalogue (办事指南): services, their versioned guides and the catalogue keyword search."""
