#!/usr/bin/env python3
"""Seeds a running Scimitar through /Bulk: N users, M groups, one group holding the first
BIG users, one group of 10; writes the ids the wrk scripts read. Standard library only."""
import json, os, sys, urllib.request

base, token, n, m, big, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
H = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}


def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, headers=H, data=json.dumps(body).encode() if body else None)
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read() or b"{}")


def bulk(ops):
    res = call("POST", "/Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops})
    bad = [o for o in res["Operations"] if not o["status"].startswith("2")]
    if bad:
        sys.exit(f"bulk errors: {bad[:3]}")
    return [o["location"].rsplit("/", 1)[1] for o in res["Operations"]]


def user(i):
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"user{i:07d}",
            "name": {"givenName": f"Given{i}", "familyName": f"Family{i % 1000}"}, "displayName": f"User {i}",
            "emails": [{"value": f"user{i:07d}@example.com", "type": "work", "primary": True}], "active": True}


users = []
for start in range(0, n, 1000):
    ops = [{"method": "POST", "path": "/Users", "bulkId": f"u{i}", "data": user(i)} for i in range(start, min(n, start + 1000))]
    users += bulk(ops)
groups = []
for start in range(0, m, 1000):
    ops = [{"method": "POST", "path": "/Groups", "bulkId": f"g{i}",
            "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": f"group{i:06d}"}}
           for i in range(start, min(m, start + 1000))]
    groups += bulk(ops)
mk = lambda name: bulk([{"method": "POST", "path": "/Groups", "bulkId": "x", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name}}])[0]
big_group, mid_group, small_group = mk("big"), mk("mid"), mk("small")


def add_members(gid, ids):
    for s in range(0, len(ids), 10000):
        chunk = ids[s:s + 10000]
        call("PATCH", f"/Groups/{gid}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                          "Operations": [{"op": "add", "path": "members", "value": [{"value": u} for u in chunk]}]})


# The big group holds the first BIG users; the small one 10. PATCH benchmarks toggle the last users.
add_members(big_group, users[:big])
add_members(mid_group, users[:10000])
add_members(small_group, users[:10])
# An OIDC client for the token benchmarks (RFC 7591, with the admin token).
reg = urllib.request.Request(base.replace("/scim/v2", "/oauth2/register"), method="POST",
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                             data=json.dumps({"client_name": "bench", "redirect_uris": ["http://127.0.0.1/cb"],
                                              "grant_types": ["authorization_code", "refresh_token", "client_credentials"]}).encode())
with urllib.request.urlopen(reg, timeout=60) as r:
    client = json.loads(r.read())


# Users with a password in 50 groups each sign in once (authorization code flow, login form
# with its CSRF cookie); later codes come from the login session. Each code becomes one refresh
# token family for the refresh scenarios: wrk keeps one rotating token per family.
#  - oidc.user: groups 0–49, each holding 20 roles from a catalog of 100 (2 permissions each);
#  - oidc.distinct: groups 50–99, each holding 20 roles of its own (1,000 roles, 2,000
#    permissions: the worst case for the `roles` scope).
import http.cookiejar, re, urllib.parse
admin = base.replace("/scim/v2", "/api/v1")
AH = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def admin_call(method, path, body=None):
    req = urllib.request.Request(admin + path, method=method, headers=AH, data=json.dumps(body).encode() if body else None)
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read()


def make_role(name):
    admin_call("POST", "/roles", {"name": name, "description": "", "permissions": [f"{name}.read", f"{name}.write"]})


def oidc_user(name, member_of):
    uid = call("POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name,
                                   "password": "bench-password-1", "emails": [{"value": f"{name}@example.com"}]})["id"]
    for g in member_of:
        call("PATCH", f"/Groups/{g}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                       "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}]})


if m < 100:
    sys.exit("the token scenarios need GROUPS >= 100")
for i in range(100):
    make_role(f"app.catalog.r{i}")
for gi, g in enumerate(groups[:50]):
    for k in range(20):
        admin_call("PUT", f"/groups/{g}/roles/app.catalog.r{(gi * 7 + k) % 100}")
for gi, g in enumerate(groups[50:100]):
    for k in range(20):
        make_role(f"app.g{gi}.r{k}")
        admin_call("PUT", f"/groups/{g}/roles/app.g{gi}.r{k}")
oidc_user("oidc.user", groups[:50])
oidc_user("oidc.distinct", groups[50:100])
# oidc.expiring: the groups of oidc.user, each membership ending in 30 days (time-bound
# memberships exist from here on, so every token request walks for the next membership change).
import datetime
oidc_user("oidc.expiring", [])
ends = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).isoformat()
for g in groups[:50]:
    admin_call("PUT", f"/groups/{g}/users/oidc.expiring", {"expires_at": ends})

# oidc.scheduled: the groups of oidc.user and 10 more, each holding 5 catalog roles on a
# schedule (Berlin office hours): every token request evaluates 50 scheduled grants.
OFFICE = {"schedule": {"time_zone": "Europe/Berlin",
                       "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "to": "18:00"}]}}
sched_groups = [call("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                         "displayName": f"bench-scheduled-{i}"})["id"] for i in range(10)]
for gi, g in enumerate(sched_groups):
    for k in range(5):
        admin_call("PUT", f"/groups/{g}/roles/app.catalog.r{(gi * 11 + k) % 100}", OFFICE)
oidc_user("oidc.scheduled", groups[:50] + sched_groups)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


root = base.replace("/scim/v2", "")
SCOPE = "openid profile email groups offline_access"


def code_from(resp_or_err):
    loc = resp_or_err.headers["Location"]
    return urllib.parse.parse_qs(urllib.parse.urlparse(loc).query)["code"][0]


def refresh_tokens(user, scope, n):
    """Signs `user` in with a fresh browser, then gets n codes with `scope` and redeems them."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    params = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": "http://127.0.0.1/cb",
              "scope": scope, "state": "s", "nonce": "n"}
    auth_url = root + "/oauth2/authorize?" + urllib.parse.urlencode(params)
    page = browser.open(auth_url, timeout=60).read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = dict(params, username=user, password="bench-password-1", csrf=csrf)
    try:
        browser.open(urllib.request.Request(root + "/oauth2/authorize", data=urllib.parse.urlencode(form).encode()), timeout=60)
        sys.exit("login did not redirect")
    except urllib.error.HTTPError as e:
        codes = [code_from(e)]
    for _ in range(n - 1):
        try:
            browser.open(auth_url, timeout=60)
            sys.exit("authorize did not redirect")
        except urllib.error.HTTPError as e:
            codes.append(code_from(e))
    tokens = []
    for c in codes:
        req = urllib.request.Request(root + "/oauth2/token", method="POST", data=urllib.parse.urlencode({
            "grant_type": "authorization_code", "code": c, "redirect_uri": "http://127.0.0.1/cb",
            "client_id": client["client_id"], "client_secret": client["client_secret"]}).encode())
        with urllib.request.urlopen(req, timeout=60) as r:
            tokens.append(json.loads(r.read())["refresh_token"])
    return tokens


def console_cookie():
    """An administrator (role iam.*) signs in to the console through its own code flow; returns
    the console session cookie as a `Cookie` header value."""
    call("POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "console.admin",
                            "password": "bench-password-1"})
    admin_call("POST", "/roles", {"name": "bench-console", "description": "", "permissions": ["iam.*"]})
    admin_call("PUT", "/users/console.admin/roles/bench-console")
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def location(url, data=None):
        try:
            browser.open(urllib.request.Request(url, data=data), timeout=60)
        except urllib.error.HTTPError as e:
            return urllib.parse.urljoin(url, e.headers["Location"])
        sys.exit(f"{url} did not redirect")
    authorize = location(root + "/console/login")
    page = browser.open(authorize, timeout=60).read().decode()
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    form = {k: html.unescape(v) for k, v in form.items()}
    form.update(username="console.admin", password="bench-password-1")
    callback = location(root + "/oauth2/authorize", urllib.parse.urlencode(form).encode())
    location(callback)
    cookie = next(c for c in jar if c.name == "scimitar_console")
    return f"{cookie.name}={cookie.value}"


import html
os.makedirs(out, exist_ok=True)
with open(f"{out}/console_cookie.txt", "w") as f:
    f.write(console_cookie() + "\n")
for file, user, scope in [("refresh.txt", "oidc.user", SCOPE), ("refresh_off.txt", "oidc.user", SCOPE),
                          ("refresh_roles.txt", "oidc.user", SCOPE + " roles"),
                          ("refresh_roles_distinct.txt", "oidc.distinct", SCOPE + " roles"),
                          ("refresh_roles_expiring.txt", "oidc.expiring", SCOPE + " roles"),
                          ("refresh_roles_scheduled.txt", "oidc.scheduled", SCOPE + " roles")]:
    with open(f"{out}/{file}", "w") as f:
        f.write("\n".join(refresh_tokens(user, scope, 128)) + "\n")
with open(f"{out}/client.txt", "w") as f:
    f.write(f"{client['client_id']}\n{client['client_secret']}\n")
with open(f"{out}/users.txt", "w") as f:
    f.write("\n".join(users) + "\n")
with open(f"{out}/spare.txt", "w") as f:
    f.write("\n".join(users[big:] or users[-1000:]) + "\n")
with open(f"{out}/groups.txt", "w") as f:
    f.write(f"big {big_group}\nmid {mid_group}\nsmall {small_group}\n")
print(f"seeded {len(users)} users, {len(groups) + 2} groups, big group {big} members")
