"""Every route declares who may call it; the guard refuses what is not declared."""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute

from app.web.access import Access, access_of, enforce_access

# Paths whose handlers Litestar itself adds (the OpenAPI document and its UI), and the
# OPTIONS handler it adds to every path: those declare nothing, so the guard answers 404.
FRAMEWORK_PATHS = ("/schema",)
FRAMEWORK_HANDLERS = ("options_handler",)


def test_every_route_declares_an_access_level(app: Litestar) -> None:
    undeclared = [
        f"{sorted(route.methods)} {route.path} ({handler.handler_name})"
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if access_of(handler) is None
        and not route.path.startswith(FRAMEWORK_PATHS)
        and handler.handler_name not in FRAMEWORK_HANDLERS
    ]
    assert not undeclared, "routes without opt={'access': ...}:\n" + "\n".join(undeclared)


def test_every_route_is_guarded_by_its_channel_router(app: Litestar) -> None:
    # The guard lives on each channel's router, not on the app: a route outside every
    # router would have none, so this walk is what keeps the guard fail-closed.
    unguarded = [
        f"{sorted(route.methods)} {route.path} ({handler.handler_name})"
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if enforce_access not in handler.resolve_guards()
        and not route.path.startswith(FRAMEWORK_PATHS)
        and handler.handler_name not in FRAMEWORK_HANDLERS
    ]
    assert not unguarded, "routes outside a guarded channel router:\n" + "\n".join(unguarded)


def test_the_access_levels_in_use_are_the_known_ones(app: Litestar) -> None:
    used = {
        access_of(handler)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
    }
    assert used - {None} <= set(Access)
    assert Access.PERSON in used  # resident pages exist and are guarded


def test_every_person_route_refuses_an_anonymous_caller(app: Litestar) -> None:
    person_routes = [
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if access_of(handler) is Access.PERSON
    ]
    assert person_routes
    # Checked by request in tests/integration/identity/test_sign_in.py for one page; here the table.
    assert all(
        path.startswith(("/me", "/sign-out", "/enterprises")) or path == "/oidc/authorize"
        for path in person_routes
    )


def test_every_staff_route_lives_under_staff(app: Litestar) -> None:
    staff_routes = [
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if (access := access_of(handler)) is not None and access.is_staff
    ]
    assert staff_routes
    # Under one prefix, so the staff sign-in redirect and a future network rule can match it.
    assert all(path == "/staff" or path.startswith("/staff/") for path in staff_routes)


async def test_an_undeclared_route_answers_404_to_everyone(client: object) -> None:
    from litestar.testing import AsyncTestClient

    assert isinstance(client, AsyncTestClient)
    response = await client.options("/healthz")
    assert response.status_code == 404
