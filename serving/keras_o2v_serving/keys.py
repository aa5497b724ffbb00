"""Typed keys of the objects stored on the aiohttp application."""

from aiohttp import web

SERVICE = web.AppKey("service", object)
CONFIG = web.AppKey("config", object)
