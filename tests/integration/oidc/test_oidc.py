"""OneThing as an OpenID provider, driven by authlib's own OAuth client (not our code path).

The relying party is ``authlib``'s ``AsyncOAuth2Client`` over HTTP to the app; the browser is
the test client with the person's session. ID tokens are verified with joserfc using only
the keys the JWKS endpoint publishes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import uuid
import warnings
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.jwk import KeySet
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.testing import transport as litestar_transport
from sqlalchemy import update

from app.commands.oidc import register_client
from app.composition.runtime import Runtime
from app.identity.models import PERSON_ID_NUMBER, Person
from app.oidc.clients import NewClient
from tests.conftest import csrf_token, in_app, sign_in_as

with warnings.catch_warnings():
    # authlib 1.9 asks for the httpx2 package; the project has httpx and adds no dependency.
    warnings.filterwarnings("ignore", "The httpx module is deprecated", Warning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

ISSUER = "http://127.0.0.1:8000"
AUTHORIZE = f"{ISSUER}/oidc/authorize"
TOKEN = f"{ISSUER}/oidc/token"
USERINFO = f"{ISSUER}/oidc/userinfo"
REDIRECT = "https://rp.example.gov.cn/callback"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _phone() -> str:
    return f"137{uuid.uuid4().int % 10**8:08d}"


def _id_number() -> str:
    """A valid, random resident ID number (GB 11643), unique in the shared database."""
    body = f"110105{1950 + secrets.randbelow(50)}0101{secrets.randbelow(1000):03d}"
    check = (12 - sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


async def _register(client: AsyncTestClient[Litestar], *, public: bool = False) -> NewClient:
    settings = client.app.state.runtime.settings
    return await in_app(client, _register_on_loop, settings, public)


async def _register_on_loop(settings: object, public: bool) -> NewClient:
    return await register_client(
        settings,  # type: ignore[arg-type]
        name="市公积金中心",
        redirect_uris=[REDIRECT],
        public=public,
    )


def _relying_party(
    client: AsyncTestClient[Litestar], registered: NewClient, scope: str, **kwargs: object
) -> AsyncOAuth2Client:
    options: dict[str, object] = {
        "code_challenge_method": "S256",
        "token_endpoint_auth_method": (
            "none" if registered.secret is None else "client_secret_basic"
        ),
        **kwargs,
    }
    return AsyncOAuth2Client(
        client_id=registered.client.client_id,
        client_secret=registered.secret,
        scope=scope,
        redirect_uri=REDIRECT,
        transport=litestar_transport.TestClientTransport(client),
        **options,
    )


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def _hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r"<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"\s*/?>", page)
    return {name: html.unescape(value) for name, value in found}


async def _consent(
    client: AsyncTestClient[Litestar], url: str, *, decision: str = "allow", id_card: bool = False
) -> str:
    """Open the consent page as the browser, answer it, return where it redirects."""
    page = await client.get(_path(url), follow_redirects=False)
    assert page.status_code == 200, page.text
    form = _hidden_fields(page.text)
    form["decision"] = decision
    if id_card:
        form["share_id_card"] = "yes"
    answer = await client.post("/oidc/authorize", data=form, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


class Flow:
    """One authorization: the relying party, its PKCE verifier and nonce."""

    def __init__(self, rp: AsyncOAuth2Client, **params: str) -> None:
        self.rp = rp
        self.verifier = generate_token(48)
        self.nonce = generate_token(20)
        self.url, self.state = rp.create_authorization_url(
            AUTHORIZE, code_verifier=self.verifier, nonce=self.nonce, **params
        )

    async def token(self, callback: str, **kwargs: object) -> dict[str, object]:
        params = {"code_verifier": self.verifier, **kwargs}
        return dict(await self.rp.fetch_token(TOKEN, authorization_response=callback, **params))


async def _verified_id_token(rp: AsyncOAuth2Client, token: dict[str, object], nonce: str) -> dict:
    """The ID token's claims, checked with the published keys only."""
    keys = KeySet.import_key_set((await rp.get(f"{ISSUER}/oidc/jwks.json")).json())
    decoded = jwt.decode(str(token["id_token"]), keys, algorithms=["ES256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": rp.client_id},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    ).validate(decoded.claims)
    digest = hashlib.sha256(str(token["access_token"]).encode()).digest()
    at_hash = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    assert decoded.claims["at_hash"] == at_hash
    assert decoded.header["kid"] in {key["kid"] for key in keys.as_dict()["keys"]}
    return decoded.claims


@pytest.fixture
async def confidential(client: AsyncTestClient[Litestar]) -> NewClient:
    return await _register(client)


@pytest.fixture
async def person_phone(client: AsyncTestClient[Litestar]) -> str:
    phone = _phone()
    await sign_in_as(client, phone)
    return phone


async def _give_id_number(client: AsyncTestClient[Litestar], phone: str) -> str:
    runtime: Runtime = client.app.state.runtime
    number = _id_number()
    protected = runtime.protector.protect(number, PERSON_ID_NUMBER)
    index = runtime.protector.blind_index(phone, "phone")  # type: ignore[arg-type]

    async def store() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(
                update(Person)
                .where(Person.phone_index == index)
                .values(id_number_ciphertext=protected.ciphertext, id_number_index=protected.index)
            )

    await in_app(client, store)
    return number


async def test_the_code_flow_with_pkce_gives_an_id_token_verifiable_with_the_published_keys(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"))
    callback = await _consent(client, flow.url)
    assert callback.startswith(REDIRECT)
    assert _query(callback)["state"] == flow.state

    token = await flow.token(callback)
    claims = await _verified_id_token(flow.rp, token, flow.nonce)

    assert token["token_type"] == "Bearer"
    assert "refresh_token" not in token
    person_id = await in_app(client, _person_id, client, person_phone)
    assert claims["sub"] != str(person_id)  # pairwise, not the database id
    assert len(claims["sub"]) == 43
    assert person_phone not in str(claims)


async def _person_id(client: AsyncTestClient[Litestar], phone: str) -> uuid.UUID:
    runtime: Runtime = client.app.state.runtime
    index = runtime.protector.blind_index(phone, "phone")  # type: ignore[arg-type]
    async with runtime.sessionmaker() as db:
        from sqlalchemy import select

        found = await db.scalar(select(Person.id).where(Person.phone_index == index))
    assert found is not None
    return found


async def test_the_subject_is_stable_for_a_client_and_differs_between_clients(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    other = await _register(client)
    subjects = []
    for registered in (confidential, confidential, other):
        flow = Flow(_relying_party(client, registered, "openid"))
        page = await client.get(_path(flow.url), follow_redirects=False)
        callback = (
            page.headers["location"]
            if page.status_code == 302
            else await _consent(client, flow.url)
        )
        claims = await _verified_id_token(flow.rp, await flow.token(callback), flow.nonce)
        subjects.append(claims["sub"])
    assert subjects[0] == subjects[1]
    assert subjects[0] != subjects[2]


@pytest.mark.parametrize(
    "pkce",
    [{}, {"code_challenge": "x" * 43, "code_challenge_method": "plain"}],
    ids=["missing", "plain"],
)
async def test_an_authorization_request_without_s256_pkce_is_refused(
    client: AsyncTestClient[Litestar],
    confidential: NewClient,
    person_phone: str,
    pkce: dict[str, str],
) -> None:
    rp = _relying_party(client, confidential, "openid", code_challenge_method=None)
    url, state = rp.create_authorization_url(AUTHORIZE, nonce="n-1", **pkce)

    refused = await client.get(_path(url), follow_redirects=False)

    assert refused.status_code == 302
    answer = _query(refused.headers["location"])
    assert refused.headers["location"].startswith(REDIRECT)
    assert answer["error"] == "invalid_request"
    assert answer["state"] == state
    assert "code" not in answer


async def test_a_wrong_verifier_is_refused_and_the_code_is_spent(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"))
    callback = await _consent(client, flow.url)

    with pytest.raises(OAuthError) as refused:
        await flow.token(callback, code_verifier=generate_token(48))
    assert refused.value.error == "invalid_grant"
    with pytest.raises(OAuthError) as again:
        await flow.token(callback)
    assert again.value.error == "invalid_grant"


async def test_a_code_works_once(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"))
    callback = await _consent(client, flow.url)
    await flow.token(callback)

    with pytest.raises(OAuthError) as reused:
        await flow.token(callback)
    assert reused.value.error == "invalid_grant"


async def test_an_unregistered_redirect_uri_gets_an_error_page_and_no_redirect(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    rp = _relying_party(client, confidential, "openid")
    rp.redirect_uri = REDIRECT + "/../evil"
    url, _ = rp.create_authorization_url(AUTHORIZE, code_verifier=generate_token(48))

    refused = await client.get(_path(url), follow_redirects=False)

    assert refused.status_code == 422
    assert "location" not in refused.headers


async def test_a_token_request_with_another_redirect_uri_is_refused(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"))
    callback = await _consent(client, flow.url)

    with pytest.raises(OAuthError) as refused:
        await flow.token(callback, redirect_uri=REDIRECT + "?other=1")
    assert refused.value.error == "invalid_grant"


async def test_the_id_card_number_needs_the_scope_and_a_separate_tick(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    number = await _give_id_number(client, person_phone)
    scope = "openid id_card"

    unticked = Flow(_relying_party(client, confidential, scope))
    page = await client.get(_path(unticked.url), follow_redirects=False)
    assert 'name="share_id_card"' in page.text
    assert 'type="checkbox" name="share_id_card" value="yes" checked' not in page.text
    token = await unticked.token(await _consent(client, unticked.url))
    info = (await unticked.rp.get(USERINFO)).json()
    assert "id_card_number" not in info
    assert "id_card" not in str(token["scope"])

    ticked = Flow(_relying_party(client, confidential, scope))
    token = await ticked.token(await _consent(client, ticked.url, id_card=True))
    info = (await ticked.rp.get(USERINFO)).json()
    assert info["id_card_number"] == number
    claims = await _verified_id_token(ticked.rp, token, ticked.nonce)
    assert number not in str(claims)  # scope claims come from userinfo only


async def test_userinfo_releases_claims_by_scope(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    await _give_id_number(client, person_phone)
    only_openid = Flow(_relying_party(client, confidential, "openid"))
    await only_openid.token(await _consent(client, only_openid.url, id_card=True))
    minimal = (await only_openid.rp.get(USERINFO)).json()
    assert set(minimal) == {"sub"}

    with_phone = Flow(_relying_party(client, confidential, "openid profile phone"))
    await with_phone.token(await _consent(client, with_phone.url))
    info = (await with_phone.rp.get(USERINFO)).json()
    assert info["sub"] == minimal["sub"]
    assert info["phone_number"] == f"+86{person_phone}"
    assert info["phone_number_verified"] is True
    assert "name" not in info  # no real name is on record yet
    assert "id_card_number" not in info


async def test_userinfo_without_a_valid_token_is_refused_with_a_bearer_challenge(
    client: AsyncTestClient[Litestar],
) -> None:
    missing = await client.get("/oidc/userinfo")
    wrong = await client.get("/oidc/userinfo", headers={"Authorization": "Bearer nope"})

    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]


async def test_an_anonymous_person_is_sent_to_sign_in_and_back(
    client: AsyncTestClient[Litestar], confidential: NewClient
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"))

    response = await client.get(_path(flow.url), follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/sign-in?next={quote(_path(flow.url))}"


async def test_refusing_consent_sends_access_denied_with_the_state(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid phone"))

    callback = await _consent(client, flow.url, decision="deny")

    assert callback.startswith(REDIRECT)
    answer = _query(callback)
    assert answer["error"] == "access_denied"
    assert answer["state"] == flow.state
    assert "code" not in answer


async def test_consent_is_remembered_and_can_be_withdrawn(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    first = Flow(_relying_party(client, confidential, "openid phone"))
    await first.token(await _consent(client, first.url))

    second = Flow(_relying_party(client, confidential, "openid phone"))
    direct = await client.get(_path(second.url), follow_redirects=False)
    assert direct.status_code == 302
    await second.token(direct.headers["location"])
    assert (await second.rp.get(USERINFO)).status_code == 200

    apps = await client.get("/me/connected-apps")
    assert "市公积金中心" in apps.text
    consent_id = re.search(r"/me/connected-apps/([0-9a-f-]{36})/withdraw", apps.text)
    assert consent_id is not None
    withdrawn = await client.post(
        f"/me/connected-apps/{consent_id.group(1)}/withdraw",
        data={"_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303

    assert (await second.rp.get(USERINFO)).status_code == 401
    third = Flow(_relying_party(client, confidential, "openid phone"))
    assert (await client.get(_path(third.url), follow_redirects=False)).status_code == 200


async def test_the_consent_form_needs_its_csrf_token(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"))
    page = await client.get(_path(flow.url), follow_redirects=False)
    form = {k: v for k, v in _hidden_fields(page.text).items() if k != "_csrf_token"}

    forged = await client.post("/oidc/authorize", data={**form, "decision": "allow"})

    assert forged.status_code == 403


async def test_a_public_client_redeems_with_pkce_alone(
    client: AsyncTestClient[Litestar], person_phone: str
) -> None:
    public = await _register(client, public=True)
    assert public.secret is None
    flow = Flow(_relying_party(client, public, "openid"))

    token = await flow.token(await _consent(client, flow.url))

    await _verified_id_token(flow.rp, token, flow.nonce)


async def test_a_confidential_client_must_authenticate(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"))
    callback = await _consent(client, flow.url)
    code = _query(callback)["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": flow.verifier,
    }

    unauthenticated = await client.post(TOKEN, data={**form, "client_id": flow.rp.client_id})
    wrong_secret = await client.post(
        TOKEN, data=form, auth=(str(flow.rp.client_id), "not-the-secret")
    )

    assert unauthenticated.status_code in (400, 401)
    assert unauthenticated.json()["error"] == "invalid_client"
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["error"] == "invalid_client"


async def test_discovery_and_jwks_describe_the_provider(client: AsyncTestClient[Litestar]) -> None:
    from authlib.oidc.discovery import OpenIDProviderMetadata

    metadata = (await client.get("/.well-known/openid-configuration")).json()
    checked = OpenIDProviderMetadata(metadata)
    # Every rule of OIDC Discovery but one: it wants RS256 listed; we sign with ES256 only.
    skipped = "validate_id_token_signing_alg_values_supported"
    for rule in (name for name in dir(checked) if name.startswith("validate_")):
        if rule not in (skipped, "validate"):
            getattr(checked, rule)()
    assert metadata["id_token_signing_alg_values_supported"] == ["ES256"]
    assert metadata["issuer"] == ISSUER
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["jwks_uri"] == f"{ISSUER}/oidc/jwks.json"

    jwks = (await client.get("/oidc/jwks.json")).json()
    assert jwks["keys"]
    assert all(key["alg"] == "ES256" and "d" not in key and key["kid"] for key in jwks["keys"])


async def test_a_boosted_request_leaves_for_the_app_by_a_client_side_redirect(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    first = Flow(_relying_party(client, confidential, "openid"))
    await _consent(client, first.url)
    second = Flow(_relying_party(client, confidential, "openid"))

    # htmx followed the sign-in form's redirect here: a 302 to another site would be lost.
    boosted = await client.get(
        _path(second.url), headers={"HX-Request": "true"}, follow_redirects=False
    )

    assert boosted.status_code == 200
    assert boosted.headers["hx-redirect"].startswith(REDIRECT + "?code=")


async def test_the_issuer_comes_from_configuration_whatever_host_the_request_names(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    forged = {"Host": "evil.example"}

    metadata = (await client.get("/.well-known/openid-configuration", headers=forged)).json()

    assert metadata["issuer"] == ISSUER
    endpoints = [value for name, value in metadata.items() if name.endswith(("_endpoint", "_uri"))]
    assert len(endpoints) == 4
    assert all(url.startswith(ISSUER + "/") for url in endpoints)
    flow = Flow(_relying_party(client, confidential, "openid"))
    flow.rp.headers["Host"] = "evil.example"
    token = await flow.token(await _consent(client, flow.url))
    assert (await _verified_id_token(flow.rp, token, flow.nonce))["iss"] == ISSUER


async def test_prompt_none_without_a_session_answers_login_required_to_the_client(
    client: AsyncTestClient[Litestar], confidential: NewClient
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"), prompt="none")

    silent = await client.get(_path(flow.url), follow_redirects=False)

    # OIDC Core 3.1.2.6: no sign-in page; the client hears login_required, with its state.
    assert silent.status_code == 302
    assert silent.headers["location"].startswith(REDIRECT + "?")
    answer = _query(silent.headers["location"])
    assert answer["error"] == "login_required"
    assert answer["state"] == flow.state
    assert "code" not in answer


async def test_prompt_none_without_a_session_never_redirects_to_an_unregistered_uri(
    client: AsyncTestClient[Litestar], confidential: NewClient
) -> None:
    rp = _relying_party(client, confidential, "openid")
    rp.redirect_uri = "https://evil.example/callback"
    url, _ = rp.create_authorization_url(AUTHORIZE, code_verifier=generate_token(48), prompt="none")

    refused = await client.get(_path(url), follow_redirects=False)

    assert refused.status_code == 422
    assert "location" not in refused.headers


async def test_prompt_none_with_another_prompt_value_is_an_invalid_request(
    client: AsyncTestClient[Litestar], confidential: NewClient
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"), prompt="none consent")

    refused = await client.get(_path(flow.url), follow_redirects=False)

    answer = _query(refused.headers["location"])
    assert answer["error"] == "invalid_request"
    assert answer["state"] == flow.state


async def test_prompt_none_without_consent_answers_consent_required_and_shows_no_page(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    narrow = Flow(_relying_party(client, confidential, "openid"))
    await narrow.token(await _consent(client, narrow.url))
    wider = Flow(_relying_party(client, confidential, "openid phone"), prompt="none")

    silent = await client.get(_path(wider.url), follow_redirects=False)

    assert silent.status_code == 302
    answer = _query(silent.headers["location"])
    assert answer["error"] == "consent_required"
    assert answer["state"] == wider.state
    assert "code" not in answer
    same = Flow(_relying_party(client, confidential, "openid"), prompt="none")
    granted = await client.get(_path(same.url), follow_redirects=False)
    assert "code" in _query(granted.headers["location"])


async def test_a_code_redeemed_twice_revokes_the_tokens_its_first_redemption_gave(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"))
    callback = await _consent(client, flow.url)
    first = await flow.token(callback)
    other = Flow(_relying_party(client, confidential, "openid"))
    remembered = await client.get(_path(other.url), follow_redirects=False)
    untouched = await other.token(remembered.headers["location"])
    bearer = {"Authorization": f"Bearer {first['access_token']}"}
    assert (await client.get(USERINFO, headers=bearer)).status_code == 200

    # RFC 6749 4.1.2: a code used twice was stolen by one of the two; revoke what it gave.
    with pytest.raises(OAuthError) as replayed:
        await flow.token(callback)

    assert replayed.value.error == "invalid_grant"
    assert "refresh_token" not in first  # none is ever issued: nothing else to revoke
    refused = await client.get(USERINFO, headers=bearer)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
    kept = {"Authorization": f"Bearer {untouched['access_token']}"}
    assert (await client.get(USERINFO, headers=kept)).status_code == 200


# The pages' Content-Security-Policy allows forms to post to us only; Chromium also checks
# it on every redirect after a submission, and the OpenID pages' forms end at the client.
OWN_FORMS = "form-action 'self'; "
CLIENT_FORMS = "form-action 'self' https://rp.example.gov.cn; "


async def test_the_consent_page_lets_its_form_end_at_the_clients_registered_origin_only(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    flow = Flow(_relying_party(client, confidential, "openid"))

    page = await client.get(_path(flow.url), follow_redirects=False)

    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert CLIENT_FORMS in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert page.headers["x-content-type-options"] == "nosniff"


async def test_a_boosted_request_for_consent_loads_the_consent_page_as_a_page_of_its_own(
    client: AsyncTestClient[Litestar], confidential: NewClient, person_phone: str
) -> None:
    # Swapped into the sign-in page, the consent form would run under that page's policy.
    flow = Flow(_relying_party(client, confidential, "openid"))

    boosted = await client.get(
        _path(flow.url), headers={"HX-Request": "true"}, follow_redirects=False
    )

    assert boosted.status_code == 200
    assert boosted.headers["hx-redirect"] == _path(flow.url)
    assert "<form" not in boosted.text


async def test_the_sign_in_of_an_authorization_lets_its_forms_end_at_the_registered_client(
    client: AsyncTestClient[Litestar], confidential: NewClient
) -> None:
    # Signed in, a remembered consent redirects straight on to the client: the sign-in forms'
    # submission ends there. Only a redirect_uri the client registered widens the policy.
    flow = Flow(_relying_party(client, confidential, "openid"))
    forged = flow.url.replace(quote(REDIRECT, safe=""), quote("https://evil.example/cb", safe=""))
    assert forged != flow.url

    step_one = await client.get("/sign-in", params={"next": _path(flow.url)})
    step_two = await client.post(
        "/sign-in/code",
        data={"phone": _phone(), "next": _path(flow.url), "_csrf_token": await csrf_token(client)},
    )
    elsewhere = await client.get("/sign-in", params={"next": _path(forged)})
    plain = await client.get("/sign-in", params={"next": "/me"})

    assert CLIENT_FORMS in step_one.headers["content-security-policy"]
    assert step_two.status_code == 200
    assert CLIENT_FORMS in step_two.headers["content-security-policy"]
    assert OWN_FORMS in elsewhere.headers["content-security-policy"]
    assert OWN_FORMS in plain.headers["content-security-policy"]
