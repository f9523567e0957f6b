"""Typed names for what handlers get injected (Litestar 2.25 wants them marked)."""

from __future__ import annotations

from typing import TypeAlias

from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency

from movements.services import Services

ServicesDep: TypeAlias = NamedDependency[Services]
ChannelsDep: TypeAlias = NamedDependency[ChannelsPlugin]
