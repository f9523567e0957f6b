"""Typed names for what handlers get injected (Litestar 2.25 wants them marked)."""

from __future__ import annotations

from typing import Annotated, TypeAlias

from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.params import PathParameter
from msgspec import Meta

from movements.services import Services

ServicesDep: TypeAlias = NamedDependency[Services]
ChannelsDep: TypeAlias = NamedDependency[ChannelsPlugin]

#: A row id in a URL.  Bounded to the database's integer range: a larger number is a 400,
#: not an overflow inside the database driver (a 500; found by tests/web/test_api_fuzz.py).
MAX_ROW_ID = 2**31 - 1
PathId: TypeAlias = Annotated[int, PathParameter(ge=1, le=MAX_ROW_ID)]

#: A row id in a JSON body, and a count or version there: bounded the same way, so an
#: id past the database's integer range is a 400 naming its JSON path, not a 500.
BodyId: TypeAlias = Annotated[int, Meta(ge=1, le=MAX_ROW_ID)]
BodyCount: TypeAlias = Annotated[int, Meta(ge=0, le=MAX_ROW_ID)]
