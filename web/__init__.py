"""The web board (``zcwatch serve``): the deadline board, calendar and Atom feeds and a JSON API.

Present layer, above the scheduler: ``board`` reads what pages show, ``timeline`` lays out the season,
``feeds`` writes Atom, ``api`` the JSON objects and the OpenAPI document, ``http`` validators and
security headers, ``app`` the Starlette routes. Templates share the digest's section macros.
"""
