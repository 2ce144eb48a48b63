"""Photos of a listing (the shop, its products), as on a Google Business Profile.

A merchant uploads a photo with its alt text under ``/espace/commerces/<id>/photos/``.
The upload is checked and converted ONCE (``processing.py``): real type by content (JPEG,
PNG or WebP only), size, dimensions, decompression bombs, orientation applied, then every
metadata block (EXIF with the GPS position of the phone, XMP, comments) dropped. What is
stored are WebP renditions 320, 800 and 1600 px wide plus the largest one (at most
2048 px on its long side), under content-hashed names that never change
(``photos/<listing>/<hash>-<width>.webp``): they can be cached for a year.

Storage goes through Django's storage API (``STORAGES["default"]``), never the file
system directly:

- by default a local folder, ``MEDIA_ROOT`` (env ``MEDIA_ROOT``, default ``media/`` in
  the checkout, git-ignored), published under ``MEDIA_URL`` (env, default ``/media/``).
  In production nginx (or the CDN) serves that folder with
  ``Cache-Control: public, max-age=31536000, immutable``; for ``make run`` the view
  ``views.media`` does the same from Django.
- an S3-compatible store (AWS, Scaleway, OVH, MinIO...) by settings only: install
  ``django-storages[s3]`` on the server and set, in a settings override::

      STORAGES["default"] = {
          "BACKEND": "storages.backends.s3.S3Storage",
          "OPTIONS": {
              "bucket_name": "sauvons-noel-photos",
              "endpoint_url": "https://s3.fr-par.scw.cloud",
              "default_acl": "public-read",
              "querystring_auth": False,
              "file_overwrite": False,
              "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
              "custom_domain": "photos.sauvons-noel.fr",
          },
      }

  (credentials from the usual ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
  environment), and add the photos' origin to the CSP's ``img-src``.

Other pages show a listing's photos with ``photos_for(business)`` (``public.py``) or
the template tags of ``templatetags/photos.py``.
"""
