"""SQL fragments the stages share."""

OK = "s.reject_reason IS NULL AND NOT s.outside"  # a staged row still to load
POINT = "ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)"  # its point
