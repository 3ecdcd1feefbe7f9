"""Who is calling: role, county and organisation scope, read from a verified token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["member", "site_staff", "org_admin", "county_admin", "ops", "auditor"]
# A county is data (the registry's county records; a partner joins by `warmflow partner`), so a
# token names it by its slug; the founding three are the defaults of names and presets only.
COUNTY_PATTERN = r"^[a-z][a-z0-9-]{1,31}$"
County = Annotated[str, Field(pattern=COUNTY_PATTERN)]

ROLES: tuple[Role, ...] = get_args(Role)
COUNTIES: tuple[str, ...] = ("yuhang", "yuexi", "songyang")  # the founding partners

ROLE_NAMES: Mapping[Role, str] = {
    "member": "党员",
    "site_staff": "暖流之家工作人员",
    "org_admin": "组织管理员",
    "county_admin": "县（区）管理员",
    "ops": "运维人员",
    "auditor": "审计人员",
}

# names of the founding partners where no county record is at hand (demo users, CLI); people
# otherwise read the names of the registry's county records
COUNTY_NAMES: Mapping[str, str] = {"yuhang": "余杭区", "yuexi": "岳西县", "songyang": "松阳县"}

# platform-wide roles; everyone else acts for one county
CROSS_COUNTY_ROLES: frozenset[Role] = frozenset({"ops", "auditor"})


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str = Field(min_length=1)
    role: Role
    county: County | None = None
    organisations: tuple[str, ...] = ()
    member_id: str | None = None
    site_id: str | None = None
    # the person's name when the token carries one (OIDC's standard ``name`` claim): for records
    # people read (who imported a roster), never for a decision
    name: str | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _scope_fits_role(self) -> Self:
        if self.county is None and self.role not in CROSS_COUNTY_ROLES:
            raise ValueError(f"role {self.role} needs a county")
        if self.role == "member" and not self.member_id:
            raise ValueError("a member principal needs member_id")
        if self.role == "site_staff" and not self.site_id:
            raise ValueError("a site_staff principal needs site_id")
        return self

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def in_organisation(self, organisation_id: str) -> bool:
        return organisation_id in self.organisations

    def serves_county(self, county: str) -> bool:
        return self.role in CROSS_COUNTY_ROLES or self.county == county

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        return cls(
            subject=claims.get("sub", ""),
            role=claims.get("role"),  # type: ignore[arg-type]
            county=claims.get("county"),
            organisations=tuple(claims.get("orgs") or ()),
            member_id=claims.get("member_id"),
            site_id=claims.get("site_id"),
            name=_name_claim(claims.get("name")),
        )

    def to_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.subject, "role": self.role}
        optional = {
            "county": self.county,
            "orgs": list(self.organisations) or None,
            "member_id": self.member_id,
            "site_id": self.site_id,
            "name": self.name,
        }
        claims.update({k: v for k, v in optional.items() if v is not None})
        return claims


def _name_claim(value: Any) -> str | None:
    """A usable ``name`` claim or None: an IdP's odd value must not make the token invalid."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:50]
