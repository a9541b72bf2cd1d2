"""zcwatch: the CLI, configuration and the glue between crawl, extract, store and notify."""
