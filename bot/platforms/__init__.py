"""Platform adapters: each turns its platform's events into ``Invocation``s and ``Reply``s
into its platform's messages, and nothing more (see ``bot.core.interface``).

``bot.platforms.<name>.start(settings, service, scheduler)`` starts one; the runner picks
the platforms whose settings are present.
"""
