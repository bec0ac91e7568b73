"""Issue 12, finding 1: the printed project page names the project's canonical address, not the
Host the request came with (the public page may be cached and served to everyone)."""

from __future__ import annotations

import re


def test_the_printed_project_address_comes_from_the_configuration(app, client, make_project):
    app.config["PUBLIC_BASE_URL"] = "https://market.example.com"
    project = make_project()
    html = client.get(f"/invest/projects/{project.id}", base_url="http://evil.example").get_data(as_text=True)
    printed = re.search(r'<p class="print-only" hidden>(.*?)</p>', html, re.S).group(1)
    assert f"https://market.example.com/invest/projects/{project.id}" in printed
    assert "evil.example" not in html
