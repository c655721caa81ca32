from __future__ import annotations

from rest_framework import generics, serializers

from spotcheck.audit import selectors
from spotcheck.audit.models import AuditEvent
from spotcheck.core.permissions import HasPerm


class AuditEventSerializer(serializers.ModelSerializer):
    hash = serializers.SerializerMethodField()
    prev_hash = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["seq", "at", "actor_name", "department_code", "action", "object_type",
                  "object_id", "summary", "outcome", "client_ip", "prev_hash", "hash"]

    def get_hash(self, obj: AuditEvent) -> str:
        return bytes(obj.hash).hex()

    def get_prev_hash(self, obj: AuditEvent) -> str:
        return bytes(obj.prev_hash).hex()


class AuditEventList(generics.ListAPIView):
    """The audit trail, newest first: the audit administrator only (三员分立)."""

    serializer_class = AuditEventSerializer
    permission_classes = [HasPerm.of("audit.view_auditevent")]
    filterset_fields = ["action", "outcome", "department_code"]
    ordering = ("-seq",)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.event_list()
