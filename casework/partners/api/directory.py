"""The partner directory: agencies and their contacts, visible to every signed-in user."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.core.api import CreatedCursorPagination
from casework.core.filters import SelectorListView

from .. import selectors, services
from .filters import AgencyFilter
from .serializers import (
    AgencyInputSerializer,
    AgencyPatchSerializer,
    AgencySerializer,
    ContactInputSerializer,
    ContactPatchSerializer,
    ContactSerializer,
    ContactVersionSerializer,
)


class NameCursorPagination(CreatedCursorPagination):
    ordering = ("name", "id")


class VersionCursorPagination(CreatedCursorPagination):
    ordering = ("-version",)


class AgencyListView(SelectorListView):
    """The partner directory, visible to every signed-in user. Add agencies with POST."""

    serializer_class = AgencySerializer
    pagination_class = NameCursorPagination
    filterset_class = AgencyFilter

    def select(self, *, user, q, **filters):
        return selectors.agencies_search(user=user, query=q, **filters)

    @extend_schema(request=AgencyInputSerializer, responses={201: AgencySerializer})
    def post(self, request):
        data = AgencyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agency = services.agency_create(actor=request.user, **data.validated_data)
        return Response(AgencySerializer(agency).data, status=status.HTTP_201_CREATED)


class AgencyDetailView(APIView):
    @extend_schema(responses=AgencySerializer)
    def get(self, request, pk: int):
        return Response(AgencySerializer(selectors.agency_get(user=request.user, pk=pk)).data)

    @extend_schema(request=AgencyPatchSerializer, responses=AgencySerializer)
    def patch(self, request, pk: int):
        agency = selectors.agency_get(user=request.user, pk=pk)
        data = AgencyPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "duty_contact" in changes:
            duty = changes["duty_contact"]
            changes["duty_contact"] = (
                selectors.contact_get(user=request.user, pk=duty) if duty else None
            )
        agency = services.agency_update(actor=request.user, agency=agency, **changes)
        return Response(AgencySerializer(agency).data)


class AgencyContactsView(generics.ListAPIView):
    """The contacts of one agency; add one with POST."""

    serializer_class = ContactSerializer
    pagination_class = NameCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        agency = selectors.agency_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.contacts_of(user=self.request.user, agency=agency)

    @extend_schema(request=ContactInputSerializer, responses={201: ContactSerializer})
    def post(self, request, pk: int):
        agency = selectors.agency_get(user=request.user, pk=pk)
        data = ContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_create(actor=request.user, agency=agency, **data.validated_data)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactDetailView(APIView):
    @extend_schema(responses=ContactSerializer)
    def get(self, request, pk: int):
        return Response(ContactSerializer(selectors.contact_get(user=request.user, pk=pk)).data)

    @extend_schema(request=ContactPatchSerializer, responses=ContactSerializer)
    def patch(self, request, pk: int):
        contact = selectors.contact_get(user=request.user, pk=pk)
        data = ContactPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        contact = services.contact_update(
            actor=request.user, contact=contact, **data.validated_data
        )
        return Response(ContactSerializer(contact).data)


class ContactHistoryView(generics.ListAPIView):
    """Every version of a contact, newest first."""

    serializer_class = ContactVersionSerializer
    pagination_class = VersionCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        contact = selectors.contact_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.contact_history(user=self.request.user, contact=contact)
