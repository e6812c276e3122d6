"""The words demo data is made of: names, places, products and the notes a coffee-roastery
owner would write. Data only; demo.generate draws from it with a seeded random generator."""

from solocrm_tui.core.stages import OPEN_DEAL_STAGES

FIRST = (
    "Anna", "Lukas", "Sofia", "Jonas", "Emma", "Noah", "Mia", "Elias", "Lena", "Paul", "Clara",
    "Felix", "Marie", "Leon", "Hannah", "Finn", "Laura", "Jakob", "Julia", "Max", "Sara", "Tom",
    "Nina", "David", "Eva", "Oliver", "Ida", "Jan", "Zoë", "Mateo", "Chloé", "Hugo", "Léa", "Louis",
    "Inès", "Liam", "Aoife", "Sean", "Lucía", "José", "Chiara", "Marco", "Giulia", "Søren", "Freja",
    "Lars", "Astrid", "Łukasz", "Zofia", "Tomáš", "Katrin", "Ana", "João", "Beatriz", "Kofi",
    "Amara", "Yusuf", "Leila", "Priya", "Ravi", "Mei",
)
LAST = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Wagner", "Koch",
    "Richter", "Bauer", "Klein", "Wolf", "Neumann", "Schwarz", "Braun", "Zimmermann", "Hartmann",
    "Krüger", "Lange", "Jansen", "de Vries", "Bakker", "Visser", "Martin", "Bernard", "Dubois",
    "Moreau", "Laurent", "Lefèvre", "García", "Fernández", "López", "Martínez", "Rossi", "Russo",
    "Bianchi", "Romano", "Nielsen", "Jensen", "Hansen", "Andersson", "Johansson", "Nowak",
    "Kowalski", "Novák", "Dvořák", "Murphy", "Kelly", "O'Brien", "Smith", "Jones", "Taylor",
    "Brown", "Silva", "Santos", "Costa", "Pereira", "Mensah", "Okafor", "Yilmaz", "Kaya", "Patel",
    "Sharma", "Chen",
)
CITIES = (("Berlin", "Germany", "+49"), ("Hamburg", "Germany", "+49"), ("Munich", "Germany", "+49"),
          ("Cologne", "Germany", "+49"), ("Vienna", "Austria", "+43"), ("Zurich", "Switzerland", "+41"),
          ("Amsterdam", "Netherlands", "+31"), ("Utrecht", "Netherlands", "+31"), ("Paris", "France", "+33"),
          ("Lyon", "France", "+33"), ("Brussels", "Belgium", "+32"), ("Copenhagen", "Denmark", "+45"),
          ("Stockholm", "Sweden", "+46"), ("Oslo", "Norway", "+47"), ("London", "United Kingdom", "+44"),
          ("Manchester", "United Kingdom", "+44"), ("Dublin", "Ireland", "+353"), ("Madrid", "Spain", "+34"),
          ("Barcelona", "Spain", "+34"), ("Lisbon", "Portugal", "+351"), ("Milan", "Italy", "+39"),
          ("Prague", "Czechia", "+420"), ("Warsaw", "Poland", "+48"))
COMPANIES = ("Nordlicht Design", "Kaffeehaus Lange", "Brightside Studio", "Atelier Rouge", "Blue Fern Café",
             "Hafenbüro", "Pixel & Pine", "Casa Verde", "Studio Oslo", "Lumen Architects", "Eastside Coworking",
             "Bakkerij Jansen", "Grünwerk GmbH", "Tinta Creative", "Fjord Logistics", "Café Central",
             "Mosaic Dental", "Quartier Bistro", "Ironbark Legal", "Helix Labs", "Little Owl Bakery",
             "Vela Yoga", "Urban Sprout", "Kite & Key", "Copper Kettle", "Maison Lefèvre", "Wavelength Media",
             "Alpenrose Hotel", "Riverside Clinic", "Tandem Bikes")
FREEMAIL = ("gmail.com", "outlook.com", "proton.me", "web.de", "yahoo.com", "icloud.com", "gmx.net")
SOURCES = ("referral", "website", "event", "linkedin", "instagram", "newsletter", "partner", "cold outreach")
SOURCE_WEIGHTS = (22, 28, 10, 10, 12, 6, 6, 6)
PRODUCTS = ("Espresso beans 1kg", "Filter roast 500g", "Single origin Ethiopia 250g", "Decaf 500g",
            "Tasting box", "Cold brew kit", "Hand grinder", "Pour-over set", "Milk jug", "Descaling tablets")
BIG_PRODUCTS = ("Office coffee subscription (quarter)", "Espresso machine Linea Mini", "Barista training day",
                "Wholesale beans 20kg", "Café equipment package", "Grinder EK43")
ASCII = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "ß": "ss", "'": "", " ": "", "&": ""})
BODIES = {
    ("email", "out"): ("Sent the quote for {p}.", "Sent invoice #{n} for the last order.",
                       "Shared the new seasonal price list.", "Asked how the {p} is working out.",
                       "Confirmed the delivery for next week.", "Sent the tasting notes for the new roast."),
    ("email", "in"): ("Asked about delivery times for {p}.", "Thanks for the quick delivery!",
                      "Question about invoice #{n}.", "Wants to know if {p} is back in stock.",
                      "Asked for a bulk price on {p}.", "Forwarded our offer to their office manager."),
    ("call", "out"): ("Called to confirm the delivery date.", "Quick call about next month's order.",
                      "Left a voicemail about {p}.", "Walked them through the grinder settings."),
    ("call", "in"): ("Called about a damaged package - sending a replacement.",
                     "Rang to ask about bulk pricing for {p}.", "Called to change the delivery address.",
                     "Wanted advice on a machine for the office."),
    ("meeting", "out"): ("Visited their place in {c} to set up the {p}.", "Cupping session at the roastery.",
                         "Lunch meeting: talked about a subscription for the team."),
    ("meeting", "in"): ("They came by the roastery to taste the new Ethiopia.",
                        "Met at the coffee fair in {c}.", "Dropped by to pick up the {p}."),
    ("message", "out"): ("Your order is ready for pickup.", "Can we move Thursday to Friday?",
                         "Photo of the new roast sent.", "Reminder: tasting on Saturday at 11."),
    ("message", "in"): ("Got it, thanks!", "Can I pick up tomorrow instead?", "Loved the last batch.",
                        "Is the shop open on Sunday?"),
    ("note", "out"): ("Prefers email over phone.", "Likes dark roasts, no acidity.",
                      "Decision maker is the office manager.", "Budget review in Q1.",
                      "Met through {c} coffee meetup.", "Allergic to hazelnut flavours.",
                      "Pays invoices late but always pays.", "Interested in the barista course."),
}
FOLLOWUPS = ("Send quote for {p}", "Call back about {p}", "Check in after delivery", "Ask for a referral",
             "Confirm workshop date", "Send invoice reminder", "Follow up on proposal", "Offer the new roast")
TICKETS = ("Grinder makes a rattling noise", "Wrong beans delivered", "Invoice address change",
           "Package arrived damaged", "Question about descaling", "Subscription pause request",
           "Machine leaks water", "Order arrived late")
LOST_REASONS = ("price too high", "went with a competitor", "budget frozen", "no decision", "timing")
DEAL_PATH = OPEN_DEAL_STAGES
# behaviour -> share of customers; leads never bought
BEHAVIOURS = (("frequent", 12), ("monthly", 18), ("big", 8), ("onetime", 20), ("lapsed", 20), ("lead", 22))
# behaviour -> (typical days between purchases, mean chance of leaving after a purchase);
# "lapsed" customers buy monthly but tend to leave after a few purchases, "onetime"
# ones mostly leave after the first
RHYTHMS = {"frequent": (18, 0.04), "monthly": (32, 0.05), "big": (110, 0.08), "onetime": (240, 0.65),
           "lapsed": (30, 0.2)}
# The catalogue: name -> (SKU, list price, unit cost), in cents. Beans keep about half their
# price, machines a quarter, a training day most of it. RETIRED products were sold until
# RETIRED_DAYS ago and are marked inactive: old orders name them, new ones cannot.
CATALOGUE = {
    "Espresso beans 1kg": ("BEAN-ESP-1KG", 3200, 1500), "Filter roast 500g": ("BEAN-FLT-500", 1650, 750),
    "Single origin Ethiopia 250g": ("BEAN-ETH-250", 1390, 620), "Decaf 500g": ("BEAN-DEC-500", 1700, 820),
    "Tasting box": ("BOX-TASTE", 3900, 1900), "Cold brew kit": ("KIT-COLD", 4500, 2700),
    "Hand grinder": ("GRIND-HAND", 8900, 5800), "Pour-over set": ("KIT-V60", 4900, 3000),
    "Milk jug": ("JUG-MILK", 2400, 1200), "Descaling tablets": ("CARE-DESC", 950, 380),
    "Office coffee subscription (quarter)": ("SUB-OFFICE-Q", 45000, 25000),
    "Espresso machine Linea Mini": ("LINEA-MINI", 540000, 410000), "Barista training day": ("TRAIN-DAY", 65000, 19000),
    "Wholesale beans 20kg": ("BEAN-WHS-20KG", 42000, 21000), "Café equipment package": ("PKG-CAFE", 1250000, 940000),
    "Grinder EK43": ("EK43", 265000, 195000),
    "Christmas blend 500g": ("BEAN-XMAS-500", 1800, 800), "Moka pot 3-cup": ("MOKA-3", 3500, 2200),
}
RETIRED = ("Christmas blend 500g", "Moka pot 3-cup")
# Equipment and training: nobody orders fourteen milk jugs, so an order has at most MAX_GEAR
# of one; beans, boxes, tablets and subscriptions take the rest of its amount
GEAR = ("Cold brew kit", "Hand grinder", "Pour-over set", "Milk jug", "Moka pot 3-cup", "Espresso machine Linea Mini",
        "Barista training day", "Café equipment package", "Grinder EK43")
MAX_GEAR = 2
RETIRED_DAYS = 365
# What a customer tends to buy: taste -> product -> weight. Customers buy within their taste
# (a few stray, see demo.baskets), so the products of one taste go together and products
# of two tastes seldom do: cross-sell finds real pairs (lift well above 2) and ones near 1.
TASTES = {
    "espresso at home": {"Espresso beans 1kg": 5, "Milk jug": 2, "Hand grinder": 1, "Descaling tablets": 2,
                         "Moka pot 3-cup": 1},
    "filter": {"Filter roast 500g": 4, "Single origin Ethiopia 250g": 3, "Pour-over set": 1.5,
               "Christmas blend 500g": 1},
    "explorer": {"Tasting box": 3, "Single origin Ethiopia 250g": 2, "Cold brew kit": 2},
    "decaf": {"Decaf 500g": 4, "Filter roast 500g": 2, "Milk jug": 1},
    "office": {"Office coffee subscription (quarter)": 4, "Wholesale beans 20kg": 3, "Espresso beans 1kg": 1},
    "café": {"Grinder EK43": 2, "Espresso machine Linea Mini": 1.5, "Barista training day": 3,
             "Wholesale beans 20kg": 2, "Café equipment package": 0.5},
}
# small buyers' tastes and their shares; big buyers are cafés when their company serves coffee
HOME_TASTES = {"espresso at home": 40, "filter": 30, "explorer": 18, "decaf": 12}
CAFE_WORDS = ("café", "cafe", "kaffee", "bistro", "bakery", "bakkerij", "hotel", "kettle")
