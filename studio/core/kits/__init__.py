"""Review kits and decisions files: the talent decides offline, on their own device (issue 13, DR049).

* :mod:`.kit_file` — the ``.twinreview`` format, read and written without a vault;
* :mod:`.export` — the studio makes a kit for a talent who holds their own key;
* :mod:`.talent_side` — the talent opens a kit (``kit show``) and signs decisions (``kit decide``);
* :mod:`.decisions` — the studio imports a ``.twindecisions`` file in one transaction.
"""
