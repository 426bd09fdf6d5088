"""Contains all the data models used in inputs/outputs"""

from .create_subscription_body import CreateSubscriptionBody
from .dead_letter import DeadLetter
from .dead_letter_kind import DeadLetterKind
from .dead_letter_page import DeadLetterPage
from .dead_letter_status import DeadLetterStatus
from .delete_subscription_body import DeleteSubscriptionBody
from .error import Error
from .error_error import ErrorError
from .event import Event
from .event_client_info_type_0 import EventClientInfoType0
from .event_delivery_status_type_0 import EventDeliveryStatusType0
from .event_detail import EventDetail
from .event_detail_client_info_type_0 import EventDetailClientInfoType0
from .event_detail_delivery_status_type_0 import EventDetailDeliveryStatusType0
from .event_detail_geolocation_type_0 import EventDetailGeolocationType0
from .event_detail_mailing_list_type_0 import EventDetailMailingListType0
from .event_detail_payload import EventDetailPayload
from .event_detail_region import EventDetailRegion
from .event_detail_source import EventDetailSource
from .event_detail_type import EventDetailType
from .event_detail_user_variables import EventDetailUserVariables
from .event_geolocation_type_0 import EventGeolocationType0
from .event_mailing_list_type_0 import EventMailingListType0
from .event_page import EventPage
from .event_region import EventRegion
from .event_source import EventSource
from .event_type import EventType
from .event_user_variables import EventUserVariables
from .feed_item import FeedItem
from .feed_item_client_info_type_0 import FeedItemClientInfoType0
from .feed_item_delivery_status_type_0 import FeedItemDeliveryStatusType0
from .feed_item_geolocation_type_0 import FeedItemGeolocationType0
from .feed_item_mailing_list_type_0 import FeedItemMailingListType0
from .feed_item_region import FeedItemRegion
from .feed_item_source import FeedItemSource
from .feed_item_type import FeedItemType
from .feed_item_user_variables import FeedItemUserVariables
from .feed_page import FeedPage
from .inbound_attachment import InboundAttachment
from .inbound_detail import InboundDetail
from .inbound_detail_fetch_status_type_1 import InboundDetailFetchStatusType1
from .inbound_detail_region_type_1 import InboundDetailRegionType1
from .inbound_detail_stored_attachments_item import InboundDetailStoredAttachmentsItem
from .inbound_page import InboundPage
from .inbound_summary import InboundSummary
from .inbound_summary_fetch_status_type_1 import InboundSummaryFetchStatusType1
from .inbound_summary_region_type_1 import InboundSummaryRegionType1
from .list_membership import ListMembership
from .list_membership_region import ListMembershipRegion
from .new_subscription import NewSubscription
from .new_subscription_lag import NewSubscriptionLag
from .new_subscription_region_type_1 import NewSubscriptionRegionType1
from .new_subscription_status import NewSubscriptionStatus
from .new_subscription_types_type_0_item import NewSubscriptionTypesType0Item
from .openapi_document_response_200 import OpenapiDocumentResponse200
from .recipient_summary import RecipientSummary
from .recipient_summary_counts import RecipientSummaryCounts
from .recipient_summary_last import RecipientSummaryLast
from .replay_dead_letter_body import ReplayDeadLetterBody
from .resume_subscription_body import ResumeSubscriptionBody
from .retry_sync_action_body import RetrySyncActionBody
from .stats import Stats
from .stats_buckets_item import StatsBucketsItem
from .stats_buckets_item_counts import StatsBucketsItemCounts
from .stats_interval import StatsInterval
from .subscription import Subscription
from .subscription_lag import SubscriptionLag
from .subscription_list import SubscriptionList
from .subscription_region_type_1 import SubscriptionRegionType1
from .subscription_status import SubscriptionStatus
from .subscription_types_type_0_item import SubscriptionTypesType0Item
from .suppression import Suppression
from .suppression_kind import SuppressionKind
from .suppression_page import SuppressionPage
from .suppression_region import SuppressionRegion
from .suppression_state import SuppressionState
from .sync_action import SyncAction
from .sync_action_kind import SyncActionKind
from .sync_action_page import SyncActionPage
from .sync_action_payload import SyncActionPayload
from .sync_action_region import SyncActionRegion
from .sync_action_status import SyncActionStatus

__all__ = (
    "CreateSubscriptionBody",
    "DeadLetter",
    "DeadLetterKind",
    "DeadLetterPage",
    "DeadLetterStatus",
    "DeleteSubscriptionBody",
    "Error",
    "ErrorError",
    "Event",
    "EventClientInfoType0",
    "EventDeliveryStatusType0",
    "EventDetail",
    "EventDetailClientInfoType0",
    "EventDetailDeliveryStatusType0",
    "EventDetailGeolocationType0",
    "EventDetailMailingListType0",
    "EventDetailPayload",
    "EventDetailRegion",
    "EventDetailSource",
    "EventDetailType",
    "EventDetailUserVariables",
    "EventGeolocationType0",
    "EventMailingListType0",
    "EventPage",
    "EventRegion",
    "EventSource",
    "EventType",
    "EventUserVariables",
    "FeedItem",
    "FeedItemClientInfoType0",
    "FeedItemDeliveryStatusType0",
    "FeedItemGeolocationType0",
    "FeedItemMailingListType0",
    "FeedItemRegion",
    "FeedItemSource",
    "FeedItemType",
    "FeedItemUserVariables",
    "FeedPage",
    "InboundAttachment",
    "InboundDetail",
    "InboundDetailFetchStatusType1",
    "InboundDetailRegionType1",
    "InboundDetailStoredAttachmentsItem",
    "InboundPage",
    "InboundSummary",
    "InboundSummaryFetchStatusType1",
    "InboundSummaryRegionType1",
    "ListMembership",
    "ListMembershipRegion",
    "NewSubscription",
    "NewSubscriptionLag",
    "NewSubscriptionRegionType1",
    "NewSubscriptionStatus",
    "NewSubscriptionTypesType0Item",
    "OpenapiDocumentResponse200",
    "RecipientSummary",
    "RecipientSummaryCounts",
    "RecipientSummaryLast",
    "ReplayDeadLetterBody",
    "ResumeSubscriptionBody",
    "RetrySyncActionBody",
    "Stats",
    "StatsBucketsItem",
    "StatsBucketsItemCounts",
    "StatsInterval",
    "Subscription",
    "SubscriptionLag",
    "SubscriptionList",
    "SubscriptionRegionType1",
    "SubscriptionStatus",
    "SubscriptionTypesType0Item",
    "Suppression",
    "SuppressionKind",
    "SuppressionPage",
    "SuppressionRegion",
    "SuppressionState",
    "SyncAction",
    "SyncActionKind",
    "SyncActionPage",
    "SyncActionPayload",
    "SyncActionRegion",
    "SyncActionStatus",
)
