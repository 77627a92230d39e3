"""Running Briefbot as a service: health and metrics endpoints, logs, leader election,
graceful shutdown, the container entrypoint.

Kept import-light (each submodule imports what it needs) so the container entrypoint
and `briefbot brief` do not pay for aiohttp or psycopg.
"""
