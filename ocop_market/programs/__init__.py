"""Production-support projects (dự án hỗ trợ phát triển sản xuất), participating households, budgets and
disbursements, livelihood records and the outcome figures staff report on."""
