"""All models, imported so that metadata and migrations see every table."""

from portal.models.application import Application
from portal.models.application import ApplicationEvent
from portal.models.application import ApplicationState
from portal.models.audit import AuditEvent
from portal.models.billing import BillingRecord
from portal.models.billing import Statement
from portal.models.certificate import CertRole
from portal.models.certificate import SigningCertificate
from portal.models.change_request import ChangeKind
from portal.models.change_request import ChangeRequest
from portal.models.change_request import ChangeStatus
from portal.models.import_batch import ImportBatch
from portal.models.import_batch import ImportStatus
from portal.models.job_run import JobRun
from portal.models.job_run import JobStatus
from portal.models.org import AgentRequesterLink
from portal.models.org import Branch
from portal.models.org import Organization
from portal.models.org import OrgKind
from portal.models.oss_account import Backend
from portal.models.oss_account import OssAccount
from portal.models.oss_account import OssAccountSecret
from portal.models.oss_account import PaymentMode
from portal.models.scheduled_send import ScheduledSend
from portal.models.scheduled_send import ScheduledState
from portal.models.submission import ListStatus
from portal.models.submission import ReceiptList
from portal.models.submission import ReceiptListItem
from portal.models.submission import SendBatch
from portal.models.submission import Submission
from portal.models.submission import SubmissionKind
from portal.models.submission import SubmissionState
from portal.models.user import Role
from portal.models.user import User
from portal.models.user import UserSession

import faq.models  # noqa: E402,F401,I001  (FAQ and notice tables; global content)

__all__ = [
    "AgentRequesterLink",
    "Application",
    "ApplicationEvent",
    "ApplicationState",
    "AuditEvent",
    "Backend",
    "BillingRecord",
    "Branch",
    "CertRole",
    "ChangeKind",
    "ChangeRequest",
    "ChangeStatus",
    "ImportBatch",
    "ImportStatus",
    "JobRun",
    "JobStatus",
    "OrgKind",
    "Organization",
    "OssAccount",
    "OssAccountSecret",
    "ListStatus",
    "PaymentMode",
    "ReceiptList",
    "ReceiptListItem",
    "ScheduledSend",
    "ScheduledState",
    "SendBatch",
    "Submission",
    "SubmissionKind",
    "SubmissionState",
    "Role",
    "SigningCertificate",
    "Statement",
    "User",
    "UserSession",
]
