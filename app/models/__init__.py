"""The data model: every table, one module per aggregate."""

from .alert import AlertEvent
from .dataset import Dataset, DatasetImage
from .generation_log import GenerationLog
from .image import GeneratedImage, GenerationJob
from .og import OgGeneration, OgTemplate, OgTemplateVersion
from .prompt import Post, Prompt, PromptFavorite, PromptUsage, PromptVersion
from .rollup import (
    GeneratedImageHour,
    GenerationLogDifficultyHour,
    GenerationLogHour,
    GenerationLogStyleHour,
    RollupDirtyHour,
    RollupState,
    RollupUser,
    RollupUserDay,
)
from .user import ApiKey, DashboardSession, User

__all__ = [
    "AlertEvent",
    "ApiKey",
    "DashboardSession",
    "Dataset",
    "DatasetImage",
    "GeneratedImage",
    "GeneratedImageHour",
    "GenerationJob",
    "GenerationLog",
    "GenerationLogDifficultyHour",
    "GenerationLogHour",
    "GenerationLogStyleHour",
    "OgGeneration",
    "OgTemplate",
    "OgTemplateVersion",
    "Post",
    "Prompt",
    "PromptFavorite",
    "PromptUsage",
    "PromptVersion",
    "RollupDirtyHour",
    "RollupState",
    "RollupUser",
    "RollupUserDay",
    "User",
]
