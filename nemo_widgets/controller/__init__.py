"""Session logic on top of the protocol client: routing words, turns, state as pandas, export and resume."""

from nemo_widgets.controller.batch import BatchItem, run_batch
from nemo_widgets.controller.blocking import Session
from nemo_widgets.controller.routing import Action, route
from nemo_widgets.controller.session import AsyncSession, ExportResult, Reply, TurnResult
from nemo_widgets.controller.updates import Update, UpdateKind

__all__ = ["Action", "AsyncSession", "BatchItem", "ExportResult", "Reply", "Session", "TurnResult", "Update",
           "UpdateKind", "route", "run_batch"]
