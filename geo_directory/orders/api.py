"""``GET /api/v1/delivers-to/?point=lon,lat``: the businesses delivering to a point."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .zones import POINT_PARAMETER, BadPoint, as_feature, businesses_delivering_to, parse_point


class DeliversToView(APIView):
    """GeoJSON FeatureCollection of published businesses whose delivery zone covers a point.

    One PostGIS query (``ST_Intersects`` on ``delivery_zone``, served by its GiST index).
    """

    @extend_schema(
        parameters=[POINT_PARAMETER],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        summary="Qui livre chez moi ?",
    )
    def get(self, request):
        try:
            point = parse_point(request.query_params.get("point"))
        except BadPoint as exc:
            return Response({"errors": {"point": str(exc)}}, status=400)
        features = [as_feature(b) for b in businesses_delivering_to(point)]
        return Response({"type": "FeatureCollection", "features": features})


delivers_to = DeliversToView.as_view()

# Routed by one line in geo_directory/urls.py, before the api/v1/ include:
#     path("api/v1/delivers-to/", include("geo_directory.orders.api")),
urlpatterns = [path("", delivers_to, name="api-delivers-to")]
