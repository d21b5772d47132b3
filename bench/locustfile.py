"""Persona traffic for `python -m bench.load` (locust): the four demo logins using the API and the pages.

Each simulated person logs in once (an API token, and a session for pages),
then repeats what that persona does most: an SME reads its needs, their
proposals and its notifications; an expert its requests and the directory;
a buyer its opportunities and proposed suppliers; the bureau its dashboard.
The pace is set by LOAD_RATE (requests per second per simulated person).

FastHttpUser (geventhttpclient) rather than HttpUser (requests): the load
generator shares the machine's two cores with the server it measures, and
costs several times less CPU per request this way.
"""

from __future__ import annotations

import os
import random
import re
from typing import Any

import gevent
from locust import FastHttpUser, constant_throughput, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "tsunagu-demo-2026")
RATE = float(os.environ.get("LOAD_RATE", "1"))


class Persona(FastHttpUser):
    abstract = True
    email = ""
    wait_time = constant_throughput(RATE)

    def on_start(self) -> None:
        response = self.client.post("/api/v1/auth/token/", json={"username": self.email, "password": PASSWORD})
        response.raise_for_status()
        self.auth = {"Authorization": f"Token {response.json()['token']}"}
        self.ids: dict[str, list[int]] = {}
        # constant_throughput keeps each person on a one-second beat from the moment they arrive, and
        # locust starts them at fixed intervals (every 0.5 s at 2 per second): everybody would then act
        # in two bursts per second, a queue no real crowd makes. A random start within the beat spreads them.
        gevent.sleep(random.random() / RATE)

    def api(self, path: str, name: str) -> Any:
        with self.client.get(path, name=name, headers=self.auth, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return {}
            return response.json()

    def page_login(self) -> None:
        """A session for the server-rendered pages (the token is for the API)."""
        self.client.get("/accounts/login/", name="/accounts/login/")
        token = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")
        self.client.post(
            "/accounts/login/",
            data={"username": self.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="/accounts/login/ (POST)",
        )

    def remember(self, kind: str, payload: dict[str, Any]) -> list[int]:
        found = [row["id"] for row in payload.get("results", [])]
        if found:
            self.ids[kind] = found
        return self.ids.get(kind, [])


class Sme(Persona):
    weight = 4
    email = "sme@demo.tsunagu.jp"

    @task(3)
    def needs(self) -> None:
        self.remember("need", self.api("/api/v1/needs/", "/api/v1/needs/"))

    @task(4)
    def proposals(self) -> None:
        ids = self.ids.get("need") or self.remember("need", self.api("/api/v1/needs/", "/api/v1/needs/"))
        if ids:
            need = random.choice(ids)
            self.api(f"/api/v1/needs/{need}/", "/api/v1/needs/[id]/")
            self.api(f"/api/v1/needs/{need}/recommendations/", "/api/v1/needs/[id]/recommendations/")

    @task(2)
    def notifications(self) -> None:
        self.api("/api/v1/notifications/", "/api/v1/notifications/")
        self.api("/api/v1/introductions/", "/api/v1/introductions/")


class Expert(Persona):
    weight = 2
    email = "expert@demo.tsunagu.jp"

    @task(3)
    def requests(self) -> None:
        self.api("/api/v1/introductions/?role=candidate", "/api/v1/introductions/?role=candidate")

    @task(2)
    def directory(self) -> None:
        self.api("/api/v1/experts/?q=DX", "/api/v1/experts/?q=")

    @task(1)
    def profile(self) -> None:
        self.api("/api/v1/expert-profile/", "/api/v1/expert-profile/")


class Buyer(Persona):
    weight = 3
    email = "buyer@demo.tsunagu.jp"

    @task(2)
    def opportunities(self) -> None:
        self.remember("opportunity", self.api("/api/v1/opportunities/?mine=true", "/api/v1/opportunities/?mine="))

    @task(4)
    def suppliers(self) -> None:
        ids = self.ids.get("opportunity") or self.remember(
            "opportunity", self.api("/api/v1/opportunities/?mine=true", "/api/v1/opportunities/?mine=")
        )
        if ids:
            opportunity = random.choice(ids)
            self.api(
                f"/api/v1/opportunities/{opportunity}/recommendations/", "/api/v1/opportunities/[id]/recommendations/"
            )


class Bureau(Persona):
    weight = 1
    email = "bureau@demo.tsunagu.jp"

    def on_start(self) -> None:
        super().on_start()
        self.page_login()

    @task
    def dashboard(self) -> None:
        with self.client.get("/bureau/", name="/bureau/ (page)", catch_response=True) as response:
            if response.status_code != 200 or not re.search(r"<h1", response.text):
                response.failure(f"HTTP {response.status_code}")
