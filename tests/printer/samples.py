"""Example payloads for every kind of slip, as the web app stores them, with what their QR codes must say."""
from __future__ import annotations

WELSH = "Pwyllgor Gŵyr: ŷd a bwyd i bawb"
ACCENTS = "Café naïve: réunion à Zürich, São Paulo, Øresund"
ARABIC = "تحسين النقل العام"
HEBREW = "שלום עולם"
EMOJI = "\U0001F68C"  # 🚌 BUS
EMOJI_TITLE = f"Free buses {EMOJI} for everyone"

# A Wi-Fi name and password using every character the Wi-Fi QR format must escape.
TRICKY_SSID = 'Neuadd;"Dref",1:a\\b'
TRICKY_PASSWORD = 'p@ss;word,:"\\'
TRICKY_WIFI_URI = 'WIFI:T:WPA;S:Neuadd\\;\\"Dref\\"\\,1\\:a\\\\b;P:p@ss\\;word\\,\\:\\"\\\\;;'

KIT_READY = {
    "kit_name": "Neuadd y Dref kit",
    "ssid": TRICKY_SSID,
    "password": TRICKY_PASSWORD,
    "url": "http://venue.kit",
    "setup_code": "K7QF9M2XT",
    "setup_url": "http://venue.kit/organiser/setup?code=K7QF9M2XT",
}
GROUP_CARD = {
    "group_number": 7,
    "group_name": WELSH,
    "code": "K7Q-F9M",
    "url": "http://venue.kit/g/K7QF9M",
    "ssid": "venuekit-7",
    "password": None,  # an open network
}
BALLOT_SLIPS = {
    "ballots": [
        {"code": "K7QF9M2XT", "url": "http://venue.kit/b/K7QF9M2XT"},
        {"code": "2XTK7QF9M", "url": "http://venue.kit/b/2XTK7QF9M"},
    ],
    "ssid": "venuekit-7",
    "address": "venue.kit",
}
PAPER_BALLOT = {
    "code": "K7Q-F9M-2XT",
    "question": "How might we take meaningful steps to Upgrade Democracy?",
    "method": "approval",
    "max_choices": 3,
    "ideas": [
        {"number": 1, "title": WELSH},
        {"number": 2, "title": ACCENTS},
        {"number": 3, "title": f"{ARABIC} {EMOJI}"},
        {"number": 4, "title": HEBREW},
        {"number": 5, "title": EMOJI_TITLE},
        {"number": 6, "title": "A long idea title that will certainly need to wrap onto more than one line of the slip"},
    ],
}
RESULTS_SLIP = {
    "question": "How might we take meaningful steps to Upgrade Democracy?",
    "results": [
        {"number": 3, "title": f"{ARABIC} {EMOJI}", "count": 42},
        {"number": 1, "title": WELSH, "count": 30},
        {"number": 5, "title": EMOJI_TITLE, "count": 7},
    ],
    "ballots_cast": 87,
    "ballots_issued": 120,
    "time": "14 Mar 2026 16:05",
    "kit_name": "Neuadd y Dref kit",
}

SETTINGS_PROBLEM = {
    "kit_name": "Neuadd y Dref kit",
    "file": "/boot/firmware/venuekit.toml",
    "problems": [
        {"where": "Line 3 \u00b7 wifi_country", "what": "\u201cUK\u201d is not a country code; for United Kingdom write GB.",
         "used": 'wifi_country = "GB"'},
        {"where": "Line 7", "what": "This line could not be read (Invalid value).", "used": ""},
    ],
}
PAYLOADS = {
    "kit_ready": KIT_READY,
    "group_card": GROUP_CARD,
    "ballot_slip": BALLOT_SLIPS,
    "paper_ballot": PAPER_BALLOT,
    "results_slip": RESULTS_SLIP,
    "settings_problem": SETTINGS_PROBLEM,
}

# Per slip of each job: the exact set of strings its QR codes must carry.
EXPECTED_QR = {
    "kit_ready": [{TRICKY_WIFI_URI, "http://venue.kit/organiser/setup?code=K7QF9M2XT"}],
    "group_card": [{"WIFI:T:nopass;S:venuekit-7;;", "http://venue.kit/g/K7QF9M"}],
    "ballot_slip": [{"http://venue.kit/b/K7QF9M2XT"}, {"http://venue.kit/b/2XTK7QF9M"}],
    "paper_ballot": [set()],
    "results_slip": [set()],
    "settings_problem": [set()],
}
