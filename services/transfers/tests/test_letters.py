"""The 介绍信: serial numbers, extensions, re-issue, and the printable PDF."""

from __future__ import annotations

import asyncio
import io
from datetime import date

from pypdf import PdfReader
from warmflow_shared.testing.pdf_tools import BarePoppler
from warmflow_transfers.service_layer.letters import next_serial

from .flow import act, apply, new_case, walk
from .support import World


async def test_serial_numbers_are_unique_per_committee_and_year_under_concurrency(
    world: World,
) -> None:
    cases = [await new_case(world, f"{world.name}-m{i}", "yuexi") for i in range(6)]
    cases = [await walk(world, case, "approved") for case in cases]
    issued = await asyncio.gather(*(act(world, case, "issue-letter") for case in cases))
    serials = sorted(r.json()["letter"]["serial_number"] for r in issued)
    assert serials == [f"2026-YX-{n:04d}" for n in range(1, 7)]
    other = await walk(world, await new_case(world, f"{world.name}-s", "songyang"), "letter_issued")
    assert other["letter"]["serial_number"] == "2026-SY-0001"


async def test_two_instances_racing_for_numbers_never_share_one(world: World) -> None:
    numbers = await asyncio.gather(
        *(next_serial(world.ctx, f"{world.name}-c", "ZZ", 2026) for _ in range(20))
    )
    assert sorted(numbers) == [f"2026-ZZ-{n:04d}" for n in range(1, 21)]


async def test_a_letter_extends_up_to_three_months_in_total(world: World) -> None:
    case = await walk(world, await new_case(world, f"{world.name}-m", "songyang"), "letter_issued")
    assert case["letter"]["valid_until"] == "2026-03-20" and case["letter"]["valid_days"] == 10
    case = (await act(world, case, "extend", {"days": 80})).json()
    assert case["letter"]["valid_until"] == "2026-06-08"
    too_long = await act(world, case, "extend", {"days": 13})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "body.days"
    case = (await act(world, case, "extend", {"days": 12})).json()
    assert case["letter"]["valid_until"] == "2026-06-20"
    await world.events(case["id"], "transfers.LetterExtended")


async def test_a_case_states_how_far_its_letter_may_be_extended(world: World) -> None:
    """The console's 延长有效期 showed the latest date allowed only in a refusal: staff chose
    the days blind. The case now states it while the letter may be extended, and the one
    day past it is refused."""
    case = await walk(world, await new_case(world, f"{world.name}-m", "songyang"), "approved")
    assert case["letter_extendable_until"] is None  # no letter yet
    case = (await act(world, case, "issue-letter")).json()
    assert case["letter_extendable_until"] == "2026-06-20"  # 2026-03-20 + three months
    case = (await act(world, case, "extend", {"days": 30})).json()
    assert case["letter_extendable_until"] == "2026-06-20"  # counted from the original validity
    read = await world.client.get(f"/cases/{case['id']}", headers=world.admin("songyang"))
    assert read.json()["letter_extendable_until"] == "2026-06-20"
    days = (date(2026, 6, 20) - date.fromisoformat(case["letter"]["valid_until"])).days
    assert (await act(world, case, "extend", {"days": days + 1})).status_code == 422
    case = (await act(world, case, "report")).json()
    assert case["letter_extendable_until"] is None  # reported: nothing to extend


async def test_an_extended_letter_prints_the_days_it_is_valid_now(world: World) -> None:
    """Printed after an extension, the letter said 有效期10天 beside a date 40 days after its
    issue; now the days match the date."""
    case = await walk(world, await new_case(world, f"{world.name}-m", "songyang"), "letter_issued")
    case = (await act(world, case, "extend", {"days": 30})).json()
    assert case["letter"]["valid_until"] == "2026-04-19"
    pdf = await world.client.get(f"/cases/{case['id']}/letter.pdf", headers=world.admin("songyang"))
    text = _text(pdf.content)
    assert "（有效期40天，至2026年4月19日）" in text and "有效期10天" not in text


async def test_a_lost_letter_is_reissued_and_the_old_number_stays_void(world: World) -> None:
    case = await walk(world, await new_case(world, f"{world.name}-m", "yuexi"), "letter_issued")
    old = case["letter"]["serial_number"]
    case = (await act(world, case, "paper-letter")).json()
    still_valid = await act(world, case, "reissue", {"reason": "expired"})
    assert still_valid.status_code == 422  # a valid letter voided as 过期作废: a false record
    assert still_valid.json()["errors"][0]["field"] == "body.reason"
    prose = await act(world, case, "reissue", {"reason": "党员因病未能按期报到"})
    [error] = prose.json()["errors"]  # the values allowed, not a bare 格式不正确
    assert (error["field"], error["reason"]) == ("body.reason", "取值无效，可选值：lost、expired")
    case = (await act(world, case, "reissue", {"reason": "lost"})).json()
    assert case["status"] == "letter_issued" and case["letter"]["serial_number"] != old
    assert case["void_letters"] == [{**case["void_letters"][0], "serial_number": old}]
    assert case["void_letters"][0]["void_reason"] == "遗失作废"
    assert case["paper_letter"] is None  # the new number needs a new paper letter
    events = await world.events(case["id"], "transfers.LetterReissued")
    reissued = next(e for e in events if e.type == "transfers.LetterReissued")
    assert reissued.data["void_serial_number"] == old
    pdf = await world.client.get(f"/cases/{case['id']}/letter.pdf", headers=world.admin("yuexi"))
    text = _text(pdf.content)
    assert case["letter"]["serial_number"] in text
    # the old number only where the new letter says it is void
    assert text.count(old) == 2 and f"原第{old}号介绍信作废" in text


async def test_the_receiver_checks_the_number_of_the_letter_handed_over(world: World) -> None:
    """A letter reported lost and re-issued, then found: the member hands the old paper letter
    over at the receiving side, and its 报到 was recorded all the same (nothing compared the
    number); now the number shown is checked — a void one or another case's is refused at its
    field and changes nothing — and the valid one, as typed, is reported."""
    case = await walk(world, await new_case(world, f"{world.name}-m", "yuexi"), "letter_issued")
    old = case["letter"]["serial_number"]
    case = (await act(world, case, "reissue", {"reason": "lost"})).json()
    case = (await act(world, case, "paper-letter")).json()
    new = case["letter"]["serial_number"]
    for shown, words in ((old, f"介绍信 {old} 已遗失作废"), ("2026-YX-9999", "不符")):
        refused = await act(world, case, "report", {"serial_number": shown})
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert error["field"] == "body.serial_number" and words in error["reason"], error
        assert new in error["reason"]
    unchanged = await world.client.get(f"/cases/{case['id']}", headers=world.admin("yuhang"))
    assert unchanged.json()["status"] == "letter_issued"
    typed = f" {new.lower()[:5]} {new.lower()[5:]}".replace("-", "－", 1)  # full-width, spaced
    reported = await act(world, case, "report", {"serial_number": typed})
    assert reported.status_code == 200, reported.text
    assert reported.json()["status"] == "reported"


async def test_a_report_without_the_letter_number_is_refused(world: World) -> None:
    """Left out, the number was not checked at all: the void letter of a lost-and-found case
    (or any paper) was reported as the valid one. The number is required: without a body, with
    none, or blank, the 报到 is refused at its field in Chinese and changes nothing."""
    case = await walk(world, await new_case(world, f"{world.name}-m", "yuexi"), "letter_issued")
    case = (await act(world, case, "reissue", {"reason": "lost"})).json()
    case = (await act(world, case, "paper-letter")).json()
    url = f"/cases/{case['id']}/report"
    headers = world.admin("yuhang")
    for sent in ({}, {"json": {}}, {"json": {"serial_number": " \u3000"}}):
        refused = await world.client.post(url, headers=headers, **sent)
        assert refused.status_code == 422, (sent, refused.text)
        [error] = refused.json()["errors"]
        assert error["field"] == "body.serial_number", error
        assert error["reason"].isascii() is False, error
    unchanged = await world.client.get(f"/cases/{case['id']}", headers=headers)
    assert unchanged.json()["status"] == "letter_issued"
    assert unchanged.json()["history"] == case["history"]
    reported = await act(world, case, "report")  # the valid number: reported
    assert reported.status_code == 200, reported.text


async def test_the_letter_pdf_has_stub_letter_and_receipt_each_with_the_number(
    world: World,
) -> None:
    case = await new_case(world, f"{world.name}-m", "yuexi")
    url = f"/cases/{case['id']}/letter.pdf"
    before = await world.client.get(url, headers=world.admin("yuexi"))
    assert before.status_code == 404
    case = await walk(world, case, "letter_issued")
    member = world.token("member", "yuexi", case["member_id"])
    response = await world.client.get(url, headers=member)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = _text(response.content)
    serial = case["letter"]["serial_number"]
    assert text.count(serial) == 3
    for words in ("存根", "组织关系介绍信", "回执", "张三", "党费已交到2026年3月", "有效期10天"):
        assert words in text, words
    assert case["sending"]["org_name"] in text and case["receiving"]["org_name"] in text
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    poppler = BarePoppler()  # as on a machine without Chinese fonts
    saved = poppler.save(response.content, "letter.pdf")
    assert all(embedded for _, embedded in poppler.fonts(saved)), poppler.fonts(saved)
    bare = poppler.text(saved).replace(" ", "")
    assert serial in bare and "组织关系介绍信" in bare and "张三" in bare


async def test_a_rare_name_prints_whole_on_the_letter(world: World) -> None:
    """䶮 (CJK Extension A) and 𬌗 (Extension E), in no face of WenQuanYi Micro Hei."""
    member_id = await world.seed_member(f"{world.name}-rare", name="王䶮𬌗")
    case = await walk(world, (await apply(world, member_id)).json(), "letter_issued")
    member = world.token("member", "yuexi", member_id)
    response = await world.client.get(f"/cases/{case['id']}/letter.pdf", headers=member)
    assert response.status_code == 200
    poppler = BarePoppler(rare_fonts=True)
    saved = poppler.save(response.content, "letter.pdf")
    fonts = poppler.fonts(saved)
    assert all(embedded for _, embedded in fonts) and any("HanaMin" in f for f, _ in fonts), fonts
    assert poppler.text(saved).count("王䶮𬌗") >= 3  # stub, letter and receipt


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join((page.extract_text() or "") for page in reader.pages).replace(" ", "")


async def test_the_letter_prints_the_standard_fields_and_never_an_edit_note(
    world: World,
) -> None:
    member_id = f"{world.name}-card"
    await world.seed_member(
        member_id, gender="女", ethnicity="畲族", birth_year=1990, party_status="probationary",
        id_masked="331124********1234",
    )  # fmt: skip
    case = (await apply(world, member_id)).json()
    case = (await act(world, case, "return")).json()
    member = world.token("member", "yuexi", member_id)
    again = await world.client.post(
        f"/cases/{case['id']}/resubmit", json={"note": "已补充工作证明"}, headers=member
    )
    assert again.status_code == 200, again.text
    assert again.json()["reason"] == case["reason"]  # the note did not replace the reason
    assert again.json()["history"][-1]["note"] == "已补充工作证明"
    case = await walk(world, again.json(), "letter_issued")
    pdf = await world.client.get(f"/cases/{case['id']}/letter.pdf", headers=member)
    text = _text(pdf.content)
    issued_year = int(case["letter"]["issued_on"][:4])
    for words in ("女", f"{issued_year - 1990}岁", "畲族", "预备党员", "331124********1234"):
        assert words in text, words
    for side in ("yuexi", "yuhang"):  # both organisations' contact details, as the form asks
        assert f"{side}联系人0571-88880000" in text.replace(" ", ""), side
    assert "已补充工作证明" not in text and f"因{case['reason']}" in text


async def test_two_staff_re_issuing_or_extending_at_once_do_it_once(world: World) -> None:
    """Two staff re-issue a lost letter at the same moment: the one overtaken was decided again
    on the case the other had just changed, and re-issued once more — the number the first had
    just been given (and printed) was void at once. Extended together, the days were added
    twice. The step overtaken is refused (409, saying what the other did); it changes nothing."""
    case = await walk(world, await new_case(world, f"{world.name}-m", "songyang"), "letter_issued")
    old = case["letter"]["serial_number"]
    both = await asyncio.gather(*(act(world, case, "reissue", {"reason": "lost"}) for _ in "ab"))
    assert sorted(r.status_code for r in both) == [200, 409], [r.text for r in both]
    [done] = [r.json() for r in both if r.status_code == 200]
    [late] = [r.json() for r in both if r.status_code == 409]
    now = (await world.client.get(f"/cases/{case['id']}", headers=world.admin("songyang"))).json()
    assert [v["serial_number"] for v in now["void_letters"]] == [old]
    assert now["letter"]["serial_number"] == done["letter"]["serial_number"]
    assert done["letter"]["serial_number"] in late["detail"]
    until = now["letter"]["valid_until"]
    both = await asyncio.gather(*(act(world, now, "extend", {"days": 5}) for _ in "ab"))
    assert sorted(r.status_code for r in both) == [200, 409], [r.text for r in both]
    now = (await world.client.get(f"/cases/{case['id']}", headers=world.admin("songyang"))).json()
    assert (date.fromisoformat(now["letter"]["valid_until"]) - date.fromisoformat(until)).days == 5


async def test_a_page_loaded_before_another_s_re_issue_or_extension_does_not_repeat_it(
    world: World,
) -> None:
    """Staff with the case open since before a colleague re-issued the letter click 重开介绍信:
    the new letter, already printed, was voided. The page sends the letter it shows; a letter
    replaced (or extended) since is refused (409) and nothing changes."""
    case = await walk(world, await new_case(world, f"{world.name}-s", "songyang"), "letter_issued")
    shown = case["letter"]
    as_shown = {"reason": "lost", "serial_number": shown["serial_number"]}
    first = await act(world, case, "reissue", as_shown)
    assert first.status_code == 200, first.text
    new = first.json()["letter"]
    stale = await act(world, case, "reissue", as_shown)
    assert stale.status_code == 409 and new["serial_number"] in stale.json()["detail"]
    extended = await act(world, case, "extend", {"days": 3, "valid_until": new["valid_until"]})
    assert extended.status_code == 200, extended.text
    again = await act(world, case, "extend", {"days": 3, "valid_until": new["valid_until"]})
    assert again.status_code == 409, again.text
    now = (await world.client.get(f"/cases/{case['id']}", headers=world.admin("songyang"))).json()
    assert now["letter"]["serial_number"] == new["serial_number"]
    assert now["letter"]["valid_until"] == extended.json()["letter"]["valid_until"]
    assert [v["serial_number"] for v in now["void_letters"]] == [shown["serial_number"]]
