from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def item_detail(request, public_id):
    item = selectors.item_get_for(user=request.user, public_id=public_id)
    return render(request, "custody/item_detail.html", {"item": item})
