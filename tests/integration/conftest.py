from __future__ import annotations

import pytest
from moto import mock_aws

from hotline.dal.models import TicketItem, bind


@pytest.fixture
def table():
    with mock_aws():
        bind("hotline-test-tickets", region="ap-southeast-1")
        TicketItem.create_table(wait=True)
        yield TicketItem.Meta.table_name
