"""Typed keys of the objects stored on the aiohttp application."""

from concurrent.futures import Executor

from aiohttp import web

BACKEND = web.AppKey("backend", object)
REGISTRY = web.AppKey("registry", object)
EXECUTOR = web.AppKey("executor", Executor)
CONFIG = web.AppKey("config", object)
