"""The data model: every table, one module per aggregate."""

from .alert import AlertEvent
from .collection import Collection, CollectionImage, ImageFavorite
from .dataset import Dataset, DatasetImage
from .generation_log import GenerationLog
from .image import GeneratedImage, GenerationJob
from .og import OgGeneration, OgTemplate, OgTemplateVersion
from .prompt import Post, Prompt, PromptFavorite, PromptUsage, PromptVersion
from .prompt_release import (
    ImageRating,
    PromptComparison,
    PromptComparisonImage,
    PromptLabel,
    PromptLabelMove,
)
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
from .spend import SpendDay, SpendHour, SpendQuarter, SpendWeek
from .user import ApiKey, DashboardSession, User
from .variant import ImageVariant
from .webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AlertEvent",
    "ApiKey",
    "Collection",
    "CollectionImage",
    "DashboardSession",
    "Dataset",
    "DatasetImage",
    "GeneratedImage",
    "GeneratedImageHour",
    "GenerationJob",
    "GenerationLog",
    "ImageFavorite",
    "ImageVariant",
    "GenerationLogDifficultyHour",
    "GenerationLogHour",
    "GenerationLogStyleHour",
    "ImageRating",
    "OgGeneration",
    "OgTemplate",
    "OgTemplateVersion",
    "Post",
    "Prompt",
    "PromptComparison",
    "PromptComparisonImage",
    "PromptFavorite",
    "PromptLabel",
    "PromptLabelMove",
    "PromptUsage",
    "PromptVersion",
    "RollupDirtyHour",
    "RollupState",
    "RollupUser",
    "RollupUserDay",
    "SpendDay",
    "SpendHour",
    "SpendQuarter",
    "SpendWeek",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]
