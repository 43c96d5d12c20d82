"""Demo catalogue for the Decant sample shop.

Every house, fragrance, perfumer and description in this module is invented for
the demo shop; any resemblance to real brands or products is accidental. The data
is plain Python so seeding, tests and the static build can all read it without a
database. Prices are in euro cents; pricing per size is computed elsewhere.
"""

from typing import Any

BRANDS: list[dict[str, Any]] = [
    {
        "name": "Atelier Velmont",
        "slug": "atelier-velmont",
        "country": "France",
        "founded": 2009,
        "description": (
            "A two-room atelier near the Canal Saint-Martin that works almost entirely in iris, "
            "suede and soft musks. Each formula is aged for eight weeks in steel before it is "
            "bottled, which gives the house its rounded, velvety signature."
        ),
    },
    {
        "name": "Casa Orvieta",
        "slug": "casa-orvieta",
        "country": "Italy",
        "founded": 1998,
        "description": (
            "Founded by two sisters who distilled lemon leaves on the family farm in Umbria, "
            "Casa Orvieta makes sunlit colognes and herbal evening scents. The house still "
            "sources its citrus oils from growers within a day's drive."
        ),
    },
    {
        "name": "Halden & Rook",
        "slug": "halden-rook",
        "country": "United Kingdom",
        "founded": 2014,
        "description": (
            "A London house built around the smells of English weather: wet hedgerows, "
            "smoky pubs, tea-stained paper. The compositions are dry and tailored rather "
            "than sweet."
        ),
    },
    {
        "name": "Vinterhav",
        "slug": "vinterhav",
        "country": "Denmark",
        "founded": 2016,
        "description": (
            "Vinterhav means winter sea, and the Copenhagen studio translates the Danish coast "
            "into mineral, airy perfumes. Bottles are plain frosted glass with no print beyond "
            "a batch number."
        ),
    },
    {
        "name": "Maison Sérac",
        "slug": "maison-serac",
        "country": "France",
        "founded": 2003,
        "description": (
            "Named after the ice towers of a glacier, Maison Sérac works from a converted "
            "dairy in Haute-Savoie. Its perfumes chase altitude: cold iris, gentian, hay and "
            "the resin of mountain huts."
        ),
    },
    {
        "name": "Kiyora Koh",
        "slug": "kiyora-koh",
        "country": "Japan",
        "founded": 2011,
        "description": (
            "A Kyoto house that began as an incense maker's side project and kept the "
            "discipline of the incense ceremony. Its scents are quiet, transparent and built "
            "on hinoki, tea and yuzu."
        ),
    },
    {
        "name": "Dar Zafaran",
        "slug": "dar-zafaran",
        "country": "Morocco",
        "founded": 2012,
        "description": (
            "Dar Zafaran blends in a Marrakech riad, pairing North African spices and roses "
            "with French distillation techniques. Saffron, amber and mint tea are its "
            "recurring themes."
        ),
    },
    {
        "name": "Oleander & Slate",
        "slug": "oleander-slate",
        "country": "United States",
        "founded": 2015,
        "description": (
            "An independent Portland, Oregon label started in a garage with a single "
            "gas-chromatography rental. It makes moody, rain-soaked scents and a famously "
            "accurate coffee perfume."
        ),
    },
    {
        "name": "Officina Tessaro",
        "slug": "officina-tessaro",
        "country": "Italy",
        "founded": 1994,
        "description": (
            "A Venetian apothecary turned perfume house, Officina Tessaro draws on old "
            "pharmacy recipes for balsams, myrrh and powdered iris. Its shop still weighs "
            "out resins on a brass scale."
        ),
    },
    {
        "name": "Parfums Quillon",
        "slug": "parfums-quillon",
        "country": "France",
        "founded": 2001,
        "description": (
            "A Grasse house devoted to the flowers grown in the hills around it. Quillon "
            "publishes the harvest year of its jasmine and tuberose absolutes on every batch."
        ),
    },
    {
        "name": "Sundew Apothecary",
        "slug": "sundew-apothecary",
        "country": "Australia",
        "founded": 2013,
        "description": (
            "Sundew Apothecary works with native Australian botanicals such as lemon myrtle, "
            "eucalyptus and wattle. The Adelaide team buys directly from small Indigenous-owned "
            "harvesting cooperatives."
        ),
    },
    {
        "name": "Haus Lindgrün",
        "slug": "haus-lindgrun",
        "country": "Germany",
        "founded": 2008,
        "description": (
            "A Berlin house with a taste for clean lines: green stems, rhubarb, concrete and "
            "cool musks. Its perfumes are designed to be worn to the office and still feel "
            "like a small rebellion."
        ),
    },
    {
        "name": "Casa Almagre",
        "slug": "casa-almagre",
        "country": "Spain",
        "founded": 2010,
        "description": (
            "Almagre is the red ochre of Andalusian soil, and this Seville house works in the "
            "same warm register. Orange blossom, fig, leather and fortified wine run through "
            "its collection."
        ),
    },
    {
        "name": "Lanternwick",
        "slug": "lanternwick",
        "country": "Canada",
        "founded": 2018,
        "description": (
            "Lanternwick started as a Montreal candle studio before moving into perfume. Its "
            "scents are cosy and outdoorsy at once: maple, fir, birch smoke and fresh snow."
        ),
    },
    {
        "name": "Bayt al-Ward",
        "slug": "bayt-al-ward",
        "country": "United Arab Emirates",
        "founded": 2007,
        "description": (
            "The House of the Rose, based in Dubai, makes rich oud and rose compositions in "
            "the Gulf tradition. Most of its range is extrait or parfum strength and lasts "
            "well into the next day."
        ),
    },
    {
        "name": "Ysolde Marek",
        "slug": "ysolde-marek",
        "country": "Czech Republic",
        "founded": 2019,
        "description": (
            "The young Prague label of perfumer Ysolde Marek, who trained as a glass engraver. "
            "Her scents are sharp-edged and playful, built around absinthe, plum and cut glass "
            "brightness."
        ),
    },
    {
        "name": "Kompas Parfum",
        "slug": "kompas-parfum",
        "country": "Netherlands",
        "founded": 2016,
        "description": (
            "An Amsterdam house inspired by the city's old spice warehouses and its bulb "
            "fields. Expect nutmeg, clove and juniper alongside crisp tulip greens."
        ),
    },
]

FRAGRANCES: list[dict[str, Any]] = [
    # --- Atelier Velmont -------------------------------------------------------------------
    {
        "slug": "velours-d-iris",
        "name": "Velours d'Iris",
        "brand": "Atelier Velmont",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2011,
        "perfumer": "Élise Varnier",
        "description": (
            "A cool, buttery iris that starts with a snap of pink pepper and settles into "
            "suede. It smells like a cashmere scarf taken out of a cedar drawer. Quiet but "
            "long-lasting, and the house's best seller."
        ),
        "top_notes": ["Bergamot", "Pink Pepper"],
        "heart_notes": ["Orris Butter", "Violet", "Heliotrope"],
        "base_notes": ["Suede", "White Musk", "Cedarwood"],
        "accords": ["iris", "powdery", "musky", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 420,
        "bottle_ml": 100,
        "bottle_cost_cents": 16500,
        "stock": "normal",
        "palette": ["#b9a7c9", "#efe6dc"],
    },
    {
        "slug": "cuir-minuit",
        "name": "Cuir Minuit",
        "brand": "Atelier Velmont",
        "concentration": "Extrait de Parfum",
        "gender": "unisex",
        "launch_year": 2016,
        "perfumer": "Élise Varnier",
        "description": (
            "Black leather gloves warmed by saffron and a thread of birch smoke. Labdanum and "
            "benzoin make it ambery and soft after an hour, so it never turns harsh. Two "
            "sprays last from dinner to the next morning."
        ),
        "top_notes": ["Saffron", "Black Pepper"],
        "heart_notes": ["Leather", "Orris Butter", "Labdanum"],
        "base_notes": ["Birch Tar", "Vetiver", "Benzoin"],
        "accords": ["leather", "smoky", "warm spicy", "amber"],
        "sizes_ml": [1, 2, 5],
        "price_per_ml_cents": 880,
        "bottle_ml": 50,
        "bottle_cost_cents": 17500,
        "stock": "sold_out",
        "palette": ["#2b1d1a", "#8c5a3c"],
    },
    {
        "slug": "rue-des-tilleuls",
        "name": "Rue des Tilleuls",
        "brand": "Atelier Velmont",
        "concentration": "Eau de Toilette",
        "gender": "women",
        "launch_year": 2013,
        "perfumer": "Lucien Morell",
        "description": (
            "A June avenue of flowering lime trees: honeyed linden blossom, lemon peel and "
            "a clean musky trail. Light enough to reapply at lunch."
        ),
        "top_notes": ["Lemon", "Mandarin"],
        "heart_notes": ["Linden Blossom", "Honey", "Lily of the Valley"],
        "base_notes": ["White Musk", "Cedarwood"],
        "accords": ["white floral", "citrus", "green", "musky"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 210,
        "bottle_ml": 100,
        "bottle_cost_cents": 8200,
        "stock": "normal",
        "palette": ["#f3e9a6", "#b7d3a0"],
    },
    {
        "slug": "ombre-poudree",
        "name": "Ombre Poudrée",
        "brand": "Atelier Velmont",
        "concentration": "Eau de Parfum",
        "gender": "women",
        "launch_year": 2020,
        "perfumer": "Élise Varnier",
        "description": (
            "Lipstick rose dusted with orris and almondy heliotrope, resting on vanilla and "
            "tonka. Retro in spirit, modern in its clean cashmeran base. A compliment getter "
            "in cold weather."
        ),
        "top_notes": ["Pink Pepper", "Mandarin"],
        "heart_notes": ["Rose", "Orris Butter", "Heliotrope"],
        "base_notes": ["Vanilla", "Tonka Bean", "Cashmeran"],
        "accords": ["powdery", "rose", "iris", "vanilla"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 390,
        "bottle_ml": 100,
        "bottle_cost_cents": 15500,
        "stock": "normal",
        "palette": ["#e8b7c0", "#f6ede4"],
    },
    # --- Casa Orvieta ----------------------------------------------------------------------
    {
        "slug": "limonaia",
        "name": "Limonaia",
        "brand": "Casa Orvieta",
        "concentration": "Eau de Cologne",
        "gender": "unisex",
        "launch_year": 1999,
        "perfumer": "Sofia Benedetti",
        "description": (
            "Crushed lemon leaves and bergamot zest in a glasshouse full of citrus trees. "
            "Rosemary and basil keep it herbal rather than sugary. A classic splash for hot "
            "afternoons; expect two to three hours."
        ),
        "top_notes": ["Lemon", "Bergamot", "Petitgrain"],
        "heart_notes": ["Neroli", "Rosemary", "Basil"],
        "base_notes": ["White Musk", "Vetiver"],
        "accords": ["citrus", "aromatic", "green"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 160,
        "bottle_ml": 100,
        "bottle_cost_cents": 5800,
        "stock": "normal",
        "palette": ["#f7e463", "#9cc28a"],
    },
    {
        "slug": "fico-di-capri",
        "name": "Fico di Capri",
        "brand": "Casa Orvieta",
        "concentration": "Eau de Toilette",
        "gender": "unisex",
        "launch_year": 2004,
        "perfumer": "Sofia Benedetti",
        "description": (
            "The milky sap of a snapped fig leaf, then the ripe fruit itself, warm from the "
            "sun. Cedar and sandalwood give the fruit a shady wooden bench to sit on."
        ),
        "top_notes": ["Bergamot", "Mandarin"],
        "heart_notes": ["Fig Leaf", "Fig"],
        "base_notes": ["Cedarwood", "Sandalwood", "White Musk"],
        "accords": ["green", "fruity", "woody", "musky"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 230,
        "bottle_ml": 100,
        "bottle_cost_cents": 9200,
        "stock": "normal",
        "palette": ["#6f8f4e", "#d9c7a3"],
    },
    {
        "slug": "notte-a-orvieto",
        "name": "Notte a Orvieto",
        "brand": "Casa Orvieta",
        "concentration": "Eau de Parfum",
        "gender": "men",
        "launch_year": 2010,
        "perfumer": "Beatrice Lomellini",
        "description": (
            "Lavender and cardamom on a terrace after dinner, with a pipe of sweet tobacco "
            "lit nearby. The drydown is tonka and vanilla, warm but not cloying. Good from "
            "October to March."
        ),
        "top_notes": ["Cardamom", "Bergamot"],
        "heart_notes": ["Lavender", "Tobacco"],
        "base_notes": ["Tonka Bean", "Vanilla", "Benzoin"],
        "accords": ["aromatic", "warm spicy", "vanilla", "amber"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 300,
        "bottle_ml": 100,
        "bottle_cost_cents": 12000,
        "stock": "normal",
        "palette": ["#3d3557", "#c79a5b"],
    },
    {
        "slug": "zagara-bianca",
        "name": "Zagara Bianca",
        "brand": "Casa Orvieta",
        "concentration": "Eau de Parfum",
        "gender": "women",
        "launch_year": 2018,
        "perfumer": "Beatrice Lomellini",
        "description": (
            "Orange blossom at its most luminous, with a slightly indolic jasmine edge and a "
            "creamy tuberose in the background. Sandalwood and benzoin make it feel like skin "
            "after a day at the sea."
        ),
        "top_notes": ["Mandarin", "Neroli"],
        "heart_notes": ["Orange Blossom", "Jasmine", "Tuberose"],
        "base_notes": ["White Musk", "Benzoin", "Sandalwood"],
        "accords": ["white floral", "citrus", "musky"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 340,
        "bottle_ml": 100,
        "bottle_cost_cents": 13500,
        "stock": "normal",
        "palette": ["#fbf4e6", "#f2b66d"],
    },
    # --- Halden & Rook ---------------------------------------------------------------------
    {
        "slug": "reading-room",
        "name": "Reading Room",
        "brand": "Halden & Rook",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2015,
        "perfumer": "Hannah Whitlock",
        "description": (
            "Dry papyrus, a cup of black tea going cold and the worn leather of an armchair. "
            "Cedar keeps it crisp, and a little vanilla sits in the binding of the books. "
            "Made for rainy Sundays."
        ),
        "top_notes": ["Bergamot", "Cardamom"],
        "heart_notes": ["Papyrus", "Black Tea"],
        "base_notes": ["Cedarwood", "Leather", "Vanilla"],
        "accords": ["woody", "leather", "warm spicy"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 350,
        "bottle_ml": 100,
        "bottle_cost_cents": 14000,
        "stock": "normal",
        "palette": ["#6b4f3a", "#d8c3a0"],
    },
    {
        "slug": "smoke-and-sloe",
        "name": "Smoke & Sloe",
        "brand": "Halden & Rook",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2017,
        "perfumer": "Hannah Whitlock",
        "description": (
            "Tart wild plum and gin-like juniper beside a smouldering hedge fire. Frankincense "
            "and birch tar build the smoke, vetiver keeps it earthy. Smells like a walk home "
            "across the fields in November."
        ),
        "top_notes": ["Juniper", "Plum"],
        "heart_notes": ["Frankincense", "Rose"],
        "base_notes": ["Birch Tar", "Labdanum", "Vetiver"],
        "accords": ["smoky", "fruity", "aromatic", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 360,
        "bottle_ml": 100,
        "bottle_cost_cents": 14500,
        "stock": "normal",
        "palette": ["#4a3b5c", "#9a8f86"],
    },
    {
        "slug": "morning-regatta",
        "name": "Morning Regatta",
        "brand": "Halden & Rook",
        "concentration": "Eau de Toilette",
        "gender": "men",
        "launch_year": 2019,
        "perfumer": "Tomasz Wierzba",
        "description": (
            "Grapefruit and sea salt on a cold harbour wall, with mint for bite. Lavender and "
            "geranium give it a barbershop frame, ambroxan a salty skin finish. An easy "
            "daytime scent."
        ),
        "top_notes": ["Grapefruit", "Sea Salt", "Mint"],
        "heart_notes": ["Lavender", "Geranium"],
        "base_notes": ["Ambroxan", "Cedarwood"],
        "accords": ["aquatic", "aromatic", "citrus", "woody"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 220,
        "bottle_ml": 100,
        "bottle_cost_cents": 8800,
        "stock": "normal",
        "palette": ["#7fb3d5", "#eef4f7"],
    },
    {
        "slug": "greenhouse-no-4",
        "name": "Greenhouse No. 4",
        "brand": "Halden & Rook",
        "concentration": "Eau de Parfum",
        "gender": "women",
        "launch_year": 2021,
        "perfumer": "Hannah Whitlock",
        "description": (
            "Tomato leaves rubbed between the fingers, bitter galbanum and a dewy peony. "
            "It is sharp and green for the first half hour, then softens into musk and "
            "vetiver. A favourite with people who dislike sweet perfumes."
        ),
        "top_notes": ["Galbanum", "Blackcurrant"],
        "heart_notes": ["Tomato Leaf", "Peony"],
        "base_notes": ["Vetiver", "White Musk"],
        "accords": ["green", "floral", "musky"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 340,
        "bottle_ml": 100,
        "bottle_cost_cents": 13500,
        "stock": "normal",
        "palette": ["#4f7f3a", "#e6f0d5"],
    },
    # --- Vinterhav -------------------------------------------------------------------------
    {
        "slug": "kystlys",
        "name": "Kystlys",
        "brand": "Vinterhav",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2016,
        "perfumer": "Ingrid Solvang",
        "description": (
            "Coastal light on a February morning: sea salt, seaweed drying on stones and "
            "sun-bleached driftwood. Ambroxan carries it close to the skin for hours. "
            "Clean without smelling of laundry."
        ),
        "top_notes": ["Sea Salt", "Bergamot", "Juniper"],
        "heart_notes": ["Seaweed", "Rosemary"],
        "base_notes": ["Ambroxan", "Cedarwood", "White Musk"],
        "accords": ["aquatic", "aromatic", "musky", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 380,
        "bottle_ml": 100,
        "bottle_cost_cents": 15000,
        "stock": "normal",
        "palette": ["#a9c6d8", "#e9ecef"],
    },
    {
        "slug": "granskog",
        "name": "Granskog",
        "brand": "Vinterhav",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2017,
        "perfumer": "Ingrid Solvang",
        "description": (
            "A spruce forest after snow, all resin and cold needles. Juniper and cardamom "
            "make the opening bright, then cedar and vetiver take it into the undergrowth. "
            "Green and woody without turning into a pine cleaner."
        ),
        "top_notes": ["Juniper", "Cardamom"],
        "heart_notes": ["Fir Balsam", "Cypress"],
        "base_notes": ["Cedarwood", "Vetiver", "Labdanum"],
        "accords": ["green", "woody", "aromatic"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 370,
        "bottle_ml": 100,
        "bottle_cost_cents": 14800,
        "stock": "normal",
        "palette": ["#2f4f3e", "#a7bfae"],
    },
    {
        "slug": "hvid-vinter",
        "name": "Hvid Vinter",
        "brand": "Vinterhav",
        "concentration": "Eau de Toilette",
        "gender": "unisex",
        "launch_year": 2019,
        "perfumer": "Ingrid Solvang",
        "description": (
            "Sparkling aldehydes and lemon over a bed of soft white musks. It smells like "
            "freshly ironed linen in a cold, bright room. Close to the skin and office-safe."
        ),
        "top_notes": ["Aldehydes", "Lemon"],
        "heart_notes": ["Lily of the Valley", "Orris Butter"],
        "base_notes": ["White Musk", "Ambroxan", "Cashmeran"],
        "accords": ["musky", "powdery", "citrus"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 260,
        "bottle_ml": 100,
        "bottle_cost_cents": 10500,
        "stock": "normal",
        "palette": ["#f4f6f8", "#c9d6e3"],
    },
    {
        "slug": "lyngbrand",
        "name": "Lyngbrand",
        "brand": "Vinterhav",
        "concentration": "Extrait de Parfum",
        "gender": "unisex",
        "launch_year": 2022,
        "perfumer": "Ingrid Solvang",
        "description": (
            "Heather burning on a moor, with a surprising trickle of honey. Black pepper "
            "and birch tar make it dark and dry, labdanum adds a glowing amber base. Small "
            "batch, and it shows in the depth."
        ),
        "top_notes": ["Black Pepper", "Heather"],
        "heart_notes": ["Honey", "Birch Tar"],
        "base_notes": ["Labdanum", "Vetiver", "Tonka Bean"],
        "accords": ["smoky", "warm spicy", "amber", "woody"],
        "sizes_ml": [1, 2, 5],
        "price_per_ml_cents": 960,
        "bottle_ml": 50,
        "bottle_cost_cents": 19500,
        "stock": "low",
        "palette": ["#6e2f4f", "#d79a4f"],
    },
    # --- Maison Sérac ----------------------------------------------------------------------
    {
        "slug": "col-du-silence",
        "name": "Col du Silence",
        "brand": "Maison Sérac",
        "concentration": "Eau de Parfum",
        "gender": "men",
        "launch_year": 2005,
        "perfumer": "Lucien Morell",
        "description": (
            "A mountain pass at dawn: bitter gentian root, wild lavender and a gust of cold "
            "air. Vetiver and oakmoss ground it like damp stone. Aromatic and quietly "
            "masculine."
        ),
        "top_notes": ["Bergamot", "Angelica"],
        "heart_notes": ["Gentian", "Lavender"],
        "base_notes": ["Vetiver", "Oakmoss", "Ambroxan"],
        "accords": ["aromatic", "green", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 320,
        "bottle_ml": 100,
        "bottle_cost_cents": 12800,
        "stock": "normal",
        "palette": ["#4a6fa5", "#dfe7ef"],
    },
    {
        "slug": "neige-d-iris",
        "name": "Neige d'Iris",
        "brand": "Maison Sérac",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2008,
        "perfumer": "Delphine Aubrac",
        "description": (
            "Orris butter as cold and pale as fresh snow, brightened with aldehydes and "
            "pink pepper. Violet adds a faint sweetness and the base is clean musk and "
            "cedar. Elegant, a little austere."
        ),
        "top_notes": ["Aldehydes", "Pink Pepper"],
        "heart_notes": ["Orris Butter", "Violet"],
        "base_notes": ["White Musk", "Cedarwood", "Ambroxan"],
        "accords": ["iris", "powdery", "musky", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 450,
        "bottle_ml": 100,
        "bottle_cost_cents": 18000,
        "stock": "normal",
        "palette": ["#dcd6ea", "#f8f8fb"],
    },
    {
        "slug": "refuge",
        "name": "Refuge",
        "brand": "Maison Sérac",
        "concentration": "Extrait de Parfum",
        "gender": "unisex",
        "launch_year": 2014,
        "perfumer": "Lucien Morell",
        "description": (
            "A mountain hut with the stove lit: clove, cinnamon and fir resin, then "
            "smoky guaiac wood. Benzoin and vanilla make the drydown feel like mulled wine "
            "held in both hands."
        ),
        "top_notes": ["Clove", "Bitter Orange"],
        "heart_notes": ["Fir Balsam", "Cinnamon"],
        "base_notes": ["Guaiac Wood", "Benzoin", "Vanilla"],
        "accords": ["warm spicy", "smoky", "amber", "woody"],
        "sizes_ml": [1, 2, 5],
        "price_per_ml_cents": 820,
        "bottle_ml": 50,
        "bottle_cost_cents": 16500,
        "stock": "normal",
        "palette": ["#7a3b1f", "#e0b47a"],
    },
    {
        "slug": "alpage",
        "name": "Alpage",
        "brand": "Maison Sérac",
        "concentration": "Eau de Toilette",
        "gender": "unisex",
        "launch_year": 2011,
        "perfumer": "Delphine Aubrac",
        "description": (
            "High summer pasture: sun-dried hay, wild lavender and a few crushed sprigs of "
            "clary sage. Tonka bean brings out the hay's sweet, almost tobacco-like side. "
            "Gentle and cheerful."
        ),
        "top_notes": ["Bergamot", "Clary Sage"],
        "heart_notes": ["Hay", "Lavender"],
        "base_notes": ["Tonka Bean", "White Musk"],
        "accords": ["aromatic", "green", "powdery"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 240,
        "bottle_ml": 100,
        "bottle_cost_cents": 9600,
        "stock": "normal",
        "palette": ["#d9c46a", "#a8c48a"],
    },
    # --- Kiyora Koh ------------------------------------------------------------------------
    {
        "slug": "yuzu-no-yu",
        "name": "Yuzu no Yu",
        "brand": "Kiyora Koh",
        "concentration": "Eau de Cologne",
        "gender": "unisex",
        "launch_year": 2012,
        "perfumer": "Aiko Harada",
        "description": (
            "The winter-solstice bath where whole yuzu float in hot water against a hinoki "
            "tub. Sharp, juicy and steamy, with a whisper of green tea. Refreshing rather "
            "than long-lasting."
        ),
        "top_notes": ["Yuzu", "Mandarin", "Shiso"],
        "heart_notes": ["Hinoki", "Green Tea"],
        "base_notes": ["White Musk", "Vetiver"],
        "accords": ["citrus", "woody", "green", "aromatic"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 190,
        "bottle_ml": 100,
        "bottle_cost_cents": 7500,
        "stock": "normal",
        "palette": ["#f2d43b", "#d7c4a1"],
    },
    {
        "slug": "koboku",
        "name": "Kōboku",
        "brand": "Kiyora Koh",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2013,
        "perfumer": "Aiko Harada",
        "description": (
            "Temple incense smouldering on a bed of sandalwood, with a dark thread of oud. "
            "Cardamom and elemi lift the smoke so it never becomes heavy. Meditative and "
            "very long-lasting."
        ),
        "top_notes": ["Cardamom", "Elemi"],
        "heart_notes": ["Frankincense", "Oud"],
        "base_notes": ["Sandalwood", "Benzoin", "Cedarwood"],
        "accords": ["smoky", "woody", "oud", "warm spicy"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 540,
        "bottle_ml": 100,
        "bottle_cost_cents": 21500,
        "stock": "normal",
        "palette": ["#3b2f2a", "#b08a5a"],
    },
    {
        "slug": "sakura-ame",
        "name": "Sakura Ame",
        "brand": "Kiyora Koh",
        "concentration": "Eau de Toilette",
        "gender": "women",
        "launch_year": 2016,
        "perfumer": "Aiko Harada",
        "description": (
            "Cherry blossom in spring rain, petals stuck to wet pavement. Juicy pear and a "
            "soft rose give it sweetness, rice-powder musk keeps it delicate."
        ),
        "top_notes": ["Pear", "Bergamot"],
        "heart_notes": ["Cherry Blossom", "Rose"],
        "base_notes": ["White Musk", "Sandalwood"],
        "accords": ["floral", "fruity", "powdery", "musky"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 250,
        "bottle_ml": 100,
        "bottle_cost_cents": 9900,
        "stock": "normal",
        "palette": ["#f5c6d3", "#fdf1f4"],
    },
    {
        "slug": "ryokucha",
        "name": "Ryokucha",
        "brand": "Kiyora Koh",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2020,
        "perfumer": "Kenji Moriyama",
        "description": (
            "Whisked matcha, grassy and slightly bitter, with a jasmine petal floating on "
            "top. Shiso adds a minty, peppery leaf and vetiver a clean root. Calm enough to "
            "wear anywhere."
        ),
        "top_notes": ["Bergamot", "Shiso"],
        "heart_notes": ["Green Tea", "Jasmine"],
        "base_notes": ["Vetiver", "White Musk"],
        "accords": ["green", "aromatic", "musky"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 320,
        "bottle_ml": 100,
        "bottle_cost_cents": 12500,
        "stock": "normal",
        "palette": ["#8fb15a", "#eef3df"],
    },
    # --- Dar Zafaran -----------------------------------------------------------------------
    {
        "slug": "riad-ambre",
        "name": "Riad Ambré",
        "brand": "Dar Zafaran",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2012,
        "perfumer": "Karim Haddad",
        "description": (
            "Golden labdanum and benzoin glowing like lamplight on plaster walls. Saffron "
            "and cinnamon warm the opening, vanilla rounds the base. A cosy, resinous amber "
            "for cold evenings."
        ),
        "top_notes": ["Saffron", "Mandarin"],
        "heart_notes": ["Labdanum", "Cinnamon"],
        "base_notes": ["Benzoin", "Vanilla", "Tonka Bean"],
        "accords": ["amber", "warm spicy", "vanilla"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 360,
        "bottle_ml": 100,
        "bottle_cost_cents": 14200,
        "stock": "normal",
        "palette": ["#b5651d", "#f2cf8c"],
    },
    {
        "slug": "medina-rose",
        "name": "Medina Rose",
        "brand": "Dar Zafaran",
        "concentration": "Extrait de Parfum",
        "gender": "unisex",
        "launch_year": 2014,
        "perfumer": "Karim Haddad",
        "description": (
            "A jammy damask rose dusted with saffron, pressed against smoky oud and dark "
            "patchouli. Pink pepper gives the first minutes a fizz. Opulent and best in "
            "small doses."
        ),
        "top_notes": ["Saffron", "Pink Pepper"],
        "heart_notes": ["Rose", "Geranium"],
        "base_notes": ["Oud", "Patchouli", "Labdanum"],
        "accords": ["rose", "oud", "warm spicy", "woody"],
        "sizes_ml": [1, 2, 5],
        "price_per_ml_cents": 1050,
        "bottle_ml": 50,
        "bottle_cost_cents": 21000,
        "stock": "low",
        "palette": ["#8b1e3f", "#d8a25e"],
    },
    {
        "slug": "atlas-dusk",
        "name": "Atlas Dusk",
        "brand": "Dar Zafaran",
        "concentration": "Eau de Parfum",
        "gender": "men",
        "launch_year": 2016,
        "perfumer": "Yusuf Demir",
        "description": (
            "Cedar forests of the Middle Atlas at sunset, dry and pencil-shaving sharp. Clove "
            "and black pepper heat the wood; leather and labdanum give it a saddle-bag depth."
        ),
        "top_notes": ["Bergamot", "Black Pepper"],
        "heart_notes": ["Cedarwood", "Clove"],
        "base_notes": ["Leather", "Vetiver", "Labdanum"],
        "accords": ["woody", "warm spicy", "leather"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 310,
        "bottle_ml": 100,
        "bottle_cost_cents": 12200,
        "stock": "normal",
        "palette": ["#8a4b2a", "#e3b27b"],
    },
    {
        "slug": "atay",
        "name": "Atay",
        "brand": "Dar Zafaran",
        "concentration": "Eau de Toilette",
        "gender": "unisex",
        "launch_year": 2019,
        "perfumer": "Karim Haddad",
        "description": (
            "Moroccan mint tea poured from a height: fresh spearmint, gunpowder green tea "
            "and a slice of lemon. A little orange blossom and benzoin add the sugar. Bright, "
            "sociable and very easy to wear."
        ),
        "top_notes": ["Mint", "Lemon"],
        "heart_notes": ["Green Tea", "Orange Blossom"],
        "base_notes": ["Benzoin", "White Musk"],
        "accords": ["aromatic", "green", "citrus"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 230,
        "bottle_ml": 100,
        "bottle_cost_cents": 9000,
        "stock": "normal",
        "palette": ["#5aa469", "#f1e3b0"],
    },
    # --- Oleander & Slate ------------------------------------------------------------------
    {
        "slug": "wet-pavement",
        "name": "Wet Pavement",
        "brand": "Oleander & Slate",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2015,
        "perfumer": "Rafael Oyelaran",
        "description": (
            "The first rain on hot city streets: mineral aldehydes, crushed violet leaves "
            "and a puddle of earthy vetiver. Oakmoss adds a damp, mossy shade. Smells "
            "exactly like a summer storm arriving."
        ),
        "top_notes": ["Aldehydes", "Bergamot"],
        "heart_notes": ["Violet Leaf", "Geranium"],
        "base_notes": ["Vetiver", "Oakmoss", "Ambroxan"],
        "accords": ["green", "aromatic", "woody", "aquatic"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 330,
        "bottle_ml": 100,
        "bottle_cost_cents": 13000,
        "stock": "normal",
        "palette": ["#5d6d7e", "#b8c4c2"],
    },
    {
        "slug": "roastery",
        "name": "Roastery",
        "brand": "Oleander & Slate",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2017,
        "perfumer": "Rafael Oyelaran",
        "description": (
            "Freshly ground espresso beans with a cardamom pod cracked over them. Cacao and "
            "tonka bring a bittersweet chocolate tone, sandalwood keeps it from being "
            "dessert. The coffee note lasts surprisingly well."
        ),
        "top_notes": ["Cardamom", "Pink Pepper"],
        "heart_notes": ["Coffee", "Cacao"],
        "base_notes": ["Vanilla", "Tonka Bean", "Sandalwood"],
        "accords": ["gourmand", "warm spicy", "vanilla", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 340,
        "bottle_ml": 100,
        "bottle_cost_cents": 13400,
        "stock": "normal",
        "palette": ["#4b2e20", "#c8a27a"],
    },
    {
        "slug": "hollow-oak",
        "name": "Hollow Oak",
        "brand": "Oleander & Slate",
        "concentration": "Eau de Toilette",
        "gender": "men",
        "launch_year": 2018,
        "perfumer": "Tomasz Wierzba",
        "description": (
            "Grapefruit and black pepper crackle over mossy bark and cypress. Guaiac wood "
            "brings a faint smoke, cedar a clean dry finish. A woody fresh scent for every "
            "day."
        ),
        "top_notes": ["Grapefruit", "Black Pepper"],
        "heart_notes": ["Oakmoss", "Cypress"],
        "base_notes": ["Cedarwood", "Guaiac Wood", "Vetiver"],
        "accords": ["woody", "green", "fresh spicy", "aromatic"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 240,
        "bottle_ml": 100,
        "bottle_cost_cents": 9500,
        "stock": "normal",
        "palette": ["#5c5b3f", "#c2b79a"],
    },
    {
        "slug": "neon-orchard",
        "name": "Neon Orchard",
        "brand": "Oleander & Slate",
        "concentration": "Eau de Toilette",
        "gender": "women",
        "launch_year": 2022,
        "perfumer": "Rafael Oyelaran",
        "description": (
            "Crisp green pear, blackcurrant and pink pepper, bright as a neon sign. Peony "
            "and a sheer rose soften the heart; cashmeran gives a fuzzy, skin-like finish. "
            "Playful and fizzy."
        ),
        "top_notes": ["Pear", "Blackcurrant", "Pink Pepper"],
        "heart_notes": ["Peony", "Rose"],
        "base_notes": ["White Musk", "Cashmeran"],
        "accords": ["fruity", "floral", "musky"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 220,
        "bottle_ml": 100,
        "bottle_cost_cents": 8600,
        "stock": "normal",
        "palette": ["#c6e36b", "#f48fb1"],
    },
    # --- Officina Tessaro ------------------------------------------------------------------
    {
        "slug": "brezza-di-laguna",
        "name": "Brezza di Laguna",
        "brand": "Officina Tessaro",
        "concentration": "Eau de Cologne",
        "gender": "men",
        "launch_year": 1995,
        "perfumer": "Beatrice Lomellini",
        "description": (
            "An old-school Venetian cologne: lemon, bergamot and petitgrain over lavender "
            "and rosemary. Neroli gives it a little polish. Splash it on after shaving."
        ),
        "top_notes": ["Lemon", "Bergamot", "Petitgrain"],
        "heart_notes": ["Lavender", "Rosemary", "Neroli"],
        "base_notes": ["Vetiver", "White Musk"],
        "accords": ["citrus", "aromatic", "green"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 150,
        "bottle_ml": 125,
        "bottle_cost_cents": 6800,
        "stock": "normal",
        "palette": ["#e9d96b", "#7ea6c9"],
    },
    {
        "slug": "mirra-veneziana",
        "name": "Mirra Veneziana",
        "brand": "Officina Tessaro",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2001,
        "perfumer": "Beatrice Lomellini",
        "description": (
            "Myrrh and frankincense as they smell in a Venetian church on a feast day, "
            "cool and mushroomy before they warm. Labdanum and benzoin build a glowing "
            "resin base. Smoky but not sombre."
        ),
        "top_notes": ["Elemi", "Mandarin"],
        "heart_notes": ["Myrrh", "Frankincense"],
        "base_notes": ["Labdanum", "Benzoin", "Sandalwood"],
        "accords": ["amber", "smoky", "warm spicy"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 380,
        "bottle_ml": 100,
        "bottle_cost_cents": 15200,
        "stock": "normal",
        "palette": ["#5a3a2e", "#c9a46c"],
    },
    {
        "slug": "teatro-di-cipria",
        "name": "Teatro di Cipria",
        "brand": "Officina Tessaro",
        "concentration": "Eau de Parfum",
        "gender": "women",
        "launch_year": 2007,
        "perfumer": "Sofia Benedetti",
        "description": (
            "The inside of a vintage powder compact in a theatre dressing room. Aldehydes "
            "and orris make the powder, rose and violet the makeup, benzoin and vanilla the "
            "warmth of stage lights."
        ),
        "top_notes": ["Aldehydes", "Mandarin"],
        "heart_notes": ["Orris Butter", "Rose", "Violet"],
        "base_notes": ["Benzoin", "Vanilla", "White Musk"],
        "accords": ["powdery", "iris", "rose", "vanilla"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 400,
        "bottle_ml": 100,
        "bottle_cost_cents": 15800,
        "stock": "normal",
        "palette": ["#e7c6cf", "#c9a8d6"],
    },
    {
        "slug": "spezieria",
        "name": "Spezieria",
        "brand": "Officina Tessaro",
        "concentration": "Eau de Parfum",
        "gender": "men",
        "launch_year": 2012,
        "perfumer": "Yusuf Demir",
        "description": (
            "Drawers of an old spice cabinet opened one after another: nutmeg, clove, "
            "cinnamon bark. Tobacco leaf and patchouli give the spices a dry, woody body. "
            "Warm and bookish."
        ),
        "top_notes": ["Nutmeg", "Clove"],
        "heart_notes": ["Cinnamon", "Cardamom", "Tobacco"],
        "base_notes": ["Tonka Bean", "Patchouli", "Benzoin"],
        "accords": ["warm spicy", "aromatic", "amber", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 330,
        "bottle_ml": 100,
        "bottle_cost_cents": 13000,
        "stock": "normal",
        "palette": ["#8c3b1f", "#d9a066"],
    },
    # --- Parfums Quillon -------------------------------------------------------------------
    {
        "slug": "tubereuse-nocturne",
        "name": "Tubéreuse Nocturne",
        "brand": "Parfums Quillon",
        "concentration": "Extrait de Parfum",
        "gender": "women",
        "launch_year": 2004,
        "perfumer": "Delphine Aubrac",
        "description": (
            "A full-bloom tuberose at midnight, creamy and a little rubbery, with jasmine "
            "and orange blossom spilling out around it. Cardamom cools the opening, sandalwood "
            "and vanilla make the drydown skin-warm. Unapologetically big."
        ),
        "top_notes": ["Mandarin", "Cardamom"],
        "heart_notes": ["Tuberose", "Jasmine", "Orange Blossom"],
        "base_notes": ["Sandalwood", "Benzoin", "Vanilla"],
        "accords": ["white floral", "vanilla", "woody"],
        "sizes_ml": [1, 2, 5],
        "price_per_ml_cents": 1120,
        "bottle_ml": 50,
        "bottle_cost_cents": 22500,
        "stock": "low",
        "palette": ["#f8f1e7", "#3a2a4a"],
    },
    {
        "slug": "mimosa-fevrier",
        "name": "Mimosa Février",
        "brand": "Parfums Quillon",
        "concentration": "Eau de Parfum",
        "gender": "women",
        "launch_year": 2006,
        "perfumer": "Delphine Aubrac",
        "description": (
            "The yellow pompoms that cover the Estérel hills in February: powdery, "
            "slightly almondy mimosa with a green, cucumbery stem. Violet and heliotrope "
            "make it soft as felt."
        ),
        "top_notes": ["Bergamot", "Mandarin"],
        "heart_notes": ["Mimosa", "Violet", "Heliotrope"],
        "base_notes": ["White Musk", "Sandalwood"],
        "accords": ["floral", "powdery", "musky"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 370,
        "bottle_ml": 100,
        "bottle_cost_cents": 14500,
        "stock": "normal",
        "palette": ["#f5d547", "#e9e4c9"],
    },
    {
        "slug": "jasmin-solaire",
        "name": "Jasmin Solaire",
        "brand": "Parfums Quillon",
        "concentration": "Eau de Toilette",
        "gender": "women",
        "launch_year": 2010,
        "perfumer": "Théo Castagne",
        "description": (
            "Jasmine picked at dawn, still cool, then warmed in the sun with orange blossom "
            "and lemon. Benzoin and musk give a faint sunscreen glow. Radiant and summery."
        ),
        "top_notes": ["Lemon", "Bergamot"],
        "heart_notes": ["Jasmine", "Orange Blossom"],
        "base_notes": ["Benzoin", "White Musk"],
        "accords": ["white floral", "citrus", "musky"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 260,
        "bottle_ml": 100,
        "bottle_cost_cents": 10200,
        "stock": "normal",
        "palette": ["#fff4d6", "#f0b84c"],
    },
    {
        "slug": "grasse-en-mai",
        "name": "Grasse en Mai",
        "brand": "Parfums Quillon",
        "concentration": "Eau de Parfum",
        "gender": "women",
        "launch_year": 2015,
        "perfumer": "Théo Castagne",
        "description": (
            "Centifolia roses in a May field, dewy and honeyed, with blackcurrant buds and "
            "pink pepper for sparkle. Peony lightens the heart, a touch of patchouli keeps "
            "it grown-up."
        ),
        "top_notes": ["Pink Pepper", "Blackcurrant"],
        "heart_notes": ["Rose", "Peony"],
        "base_notes": ["Patchouli", "White Musk"],
        "accords": ["rose", "fruity", "musky"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 380,
        "bottle_ml": 100,
        "bottle_cost_cents": 15000,
        "stock": "normal",
        "palette": ["#e36f8f", "#fbe1e8"],
    },
    # --- Sundew Apothecary -----------------------------------------------------------------
    {
        "slug": "lemon-myrtle-tonic",
        "name": "Lemon Myrtle Tonic",
        "brand": "Sundew Apothecary",
        "concentration": "Eau de Cologne",
        "gender": "unisex",
        "launch_year": 2013,
        "perfumer": "Priya Raman",
        "description": (
            "Lemon myrtle is lemonier than lemon, and here it is poured over ice with "
            "grapefruit and fresh ginger. Basil and vetiver add a green, rooty bitterness. "
            "A tonic for sweaty days."
        ),
        "top_notes": ["Lemon Myrtle", "Grapefruit"],
        "heart_notes": ["Ginger", "Basil"],
        "base_notes": ["Vetiver", "White Musk"],
        "accords": ["citrus", "aromatic", "fresh spicy", "green"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 170,
        "bottle_ml": 100,
        "bottle_cost_cents": 6500,
        "stock": "normal",
        "palette": ["#e3ec6b", "#8fc9a9"],
    },
    {
        "slug": "red-earth",
        "name": "Red Earth",
        "brand": "Sundew Apothecary",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2016,
        "perfumer": "Priya Raman",
        "description": (
            "Dust of the outback after a rare shower, rich and mineral. Patchouli and cypress "
            "build the earth, sandalwood and labdanum the sun-warmed stone beneath. Pink "
            "pepper and cardamom sparkle on top."
        ),
        "top_notes": ["Pink Pepper", "Cardamom"],
        "heart_notes": ["Patchouli", "Cypress"],
        "base_notes": ["Sandalwood", "Vetiver", "Labdanum"],
        "accords": ["woody", "warm spicy", "amber"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 350,
        "bottle_ml": 100,
        "bottle_cost_cents": 13800,
        "stock": "normal",
        "palette": ["#a4452c", "#e2a66b"],
    },
    {
        "slug": "eucalypt-dawn",
        "name": "Eucalypt Dawn",
        "brand": "Sundew Apothecary",
        "concentration": "Eau de Toilette",
        "gender": "men",
        "launch_year": 2018,
        "perfumer": "Priya Raman",
        "description": (
            "Early morning in a gum forest, cool eucalyptus and crisp bergamot. Lavender and "
            "clary sage give an aromatic heart, cedar and ambroxan a clean woody base. "
            "Wakes you up faster than coffee."
        ),
        "top_notes": ["Eucalyptus", "Bergamot"],
        "heart_notes": ["Lavender", "Clary Sage"],
        "base_notes": ["Cedarwood", "Ambroxan"],
        "accords": ["aromatic", "green", "woody"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 230,
        "bottle_ml": 100,
        "bottle_cost_cents": 9000,
        "stock": "normal",
        "palette": ["#7fa99b", "#dfe9e4"],
    },
    {
        "slug": "wattle-honey",
        "name": "Wattle Honey",
        "brand": "Sundew Apothecary",
        "concentration": "Eau de Parfum",
        "gender": "women",
        "launch_year": 2020,
        "perfumer": "Priya Raman",
        "description": (
            "Golden wattle in full bloom, buzzing with bees. Mimosa and honey blend into a "
            "waxy, powdery sweetness, and tonka with sandalwood make it creamy. Sunshine in "
            "a bottle."
        ),
        "top_notes": ["Mandarin", "Pear"],
        "heart_notes": ["Mimosa", "Honey"],
        "base_notes": ["Tonka Bean", "Sandalwood", "Benzoin"],
        "accords": ["floral", "gourmand", "powdery"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 330,
        "bottle_ml": 100,
        "bottle_cost_cents": 13000,
        "stock": "normal",
        "palette": ["#f4c430", "#fff2c2"],
    },
    # --- Haus Lindgrün ---------------------------------------------------------------------
    {
        "slug": "rhabarber",
        "name": "Rhabarber",
        "brand": "Haus Lindgrün",
        "concentration": "Eau de Toilette",
        "gender": "unisex",
        "launch_year": 2009,
        "perfumer": "Jonas Weidemann",
        "description": (
            "Sour pink rhubarb stalks snapped in a Berlin allotment, with grapefruit juice "
            "and blackcurrant leaves. A green rose and clean musk finish it off. Tart, "
            "crunchy and very fresh."
        ),
        "top_notes": ["Rhubarb", "Grapefruit"],
        "heart_notes": ["Blackcurrant", "Rose"],
        "base_notes": ["White Musk", "Vetiver"],
        "accords": ["green", "fruity", "citrus"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 220,
        "bottle_ml": 100,
        "bottle_cost_cents": 8700,
        "stock": "normal",
        "palette": ["#e05c7e", "#a7d18a"],
    },
    {
        "slug": "beton-garten",
        "name": "Beton Garten",
        "brand": "Haus Lindgrün",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2014,
        "perfumer": "Jonas Weidemann",
        "description": (
            "Green shoots pushing through a concrete courtyard. Galbanum and violet leaf "
            "are the plants, cool orris and cashmeran the stone. Minimal, slightly "
            "metallic and oddly calming."
        ),
        "top_notes": ["Galbanum", "Pink Pepper"],
        "heart_notes": ["Orris Butter", "Violet Leaf"],
        "base_notes": ["Cashmeran", "Vetiver", "Ambroxan"],
        "accords": ["green", "iris", "woody", "musky"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 360,
        "bottle_ml": 100,
        "bottle_cost_cents": 14200,
        "stock": "normal",
        "palette": ["#8e9a8f", "#b9d77e"],
    },
    {
        "slug": "lindenallee",
        "name": "Lindenallee",
        "brand": "Haus Lindgrün",
        "concentration": "Eau de Cologne",
        "gender": "women",
        "launch_year": 2011,
        "perfumer": "Clara Lindqvist",
        "description": (
            "A linden-lined boulevard in June, sticky with blossom. Lemon and bergamot "
            "lift the flowers, lily of the valley makes them dewy. Simple, sunny and over "
            "in an afternoon."
        ),
        "top_notes": ["Lemon", "Bergamot"],
        "heart_notes": ["Linden Blossom", "Lily of the Valley"],
        "base_notes": ["White Musk", "Cedarwood"],
        "accords": ["floral", "citrus", "green", "musky"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 160,
        "bottle_ml": 100,
        "bottle_cost_cents": 6200,
        "stock": "normal",
        "palette": ["#e6eb9c", "#9fc58b"],
    },
    {
        "slug": "nachtschicht",
        "name": "Nachtschicht",
        "brand": "Haus Lindgrün",
        "concentration": "Eau de Parfum",
        "gender": "men",
        "launch_year": 2019,
        "perfumer": "Jonas Weidemann",
        "description": (
            "The night shift at a techno club: lavender and cold incense, a suede jacket, "
            "black pepper in the air. Ambroxan and vetiver keep it sleek till morning."
        ),
        "top_notes": ["Bergamot", "Black Pepper"],
        "heart_notes": ["Lavender", "Frankincense"],
        "base_notes": ["Suede", "Ambroxan", "Vetiver"],
        "accords": ["aromatic", "smoky", "leather", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 340,
        "bottle_ml": 100,
        "bottle_cost_cents": 13400,
        "stock": "normal",
        "palette": ["#1f2233", "#6d6f8a"],
    },
    # --- Casa Almagre ----------------------------------------------------------------------
    {
        "slug": "azahar-de-sevilla",
        "name": "Azahar de Sevilla",
        "brand": "Casa Almagre",
        "concentration": "Eau de Toilette",
        "gender": "unisex",
        "launch_year": 2010,
        "perfumer": "Mateo Ruiz Alcalá",
        "description": (
            "Seville in March, when the bitter orange trees on every street flower at once. "
            "Neroli and petitgrain keep it green and bitter, orange blossom makes it "
            "heady, musk keeps it clean."
        ),
        "top_notes": ["Bitter Orange", "Petitgrain"],
        "heart_notes": ["Orange Blossom", "Neroli"],
        "base_notes": ["White Musk", "Benzoin"],
        "accords": ["white floral", "citrus", "musky"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 240,
        "bottle_ml": 100,
        "bottle_cost_cents": 9400,
        "stock": "normal",
        "palette": ["#f7a440", "#fdf3e1"],
    },
    {
        "slug": "cuero-de-ronda",
        "name": "Cuero de Ronda",
        "brand": "Casa Almagre",
        "concentration": "Eau de Parfum",
        "gender": "men",
        "launch_year": 2013,
        "perfumer": "Mateo Ruiz Alcalá",
        "description": (
            "Tooled saddle leather and pipe tobacco in a mountain town's old tannery. "
            "Saffron and black pepper add heat, labdanum and vanilla an amber glow that "
            "lingers for hours."
        ),
        "top_notes": ["Saffron", "Black Pepper"],
        "heart_notes": ["Leather", "Tobacco"],
        "base_notes": ["Labdanum", "Cedarwood", "Vanilla"],
        "accords": ["leather", "warm spicy", "amber", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 390,
        "bottle_ml": 100,
        "bottle_cost_cents": 15500,
        "stock": "normal",
        "palette": ["#7b3f22", "#d49a5a"],
    },
    {
        "slug": "higuera",
        "name": "Higuera",
        "brand": "Casa Almagre",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2017,
        "perfumer": "Mateo Ruiz Alcalá",
        "description": (
            "A fig tree on a dry hillside: bitter leaves, sticky fruit and dusty cypress. "
            "Cedar and ambroxan make it arid and sunbaked rather than milky."
        ),
        "top_notes": ["Grapefruit", "Fig Leaf"],
        "heart_notes": ["Fig", "Cypress"],
        "base_notes": ["Cedarwood", "Ambroxan"],
        "accords": ["green", "fruity", "woody", "aromatic"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 330,
        "bottle_ml": 75,
        "bottle_cost_cents": 9800,
        "stock": "normal",
        "palette": ["#5f7a45", "#8e5a7a"],
    },
    {
        "slug": "jerez",
        "name": "Jerez",
        "brand": "Casa Almagre",
        "concentration": "Extrait de Parfum",
        "gender": "unisex",
        "launch_year": 2021,
        "perfumer": "Théo Castagne",
        "description": (
            "Inspired by the dark, nutty sherries of the bodegas: plum, rum and immortelle "
            "with its dried-fruit, almost maple sweetness. Guaiac wood is the oak cask, "
            "vanilla and tonka the long finish."
        ),
        "top_notes": ["Plum", "Cinnamon"],
        "heart_notes": ["Rum", "Immortelle"],
        "base_notes": ["Guaiac Wood", "Vanilla", "Tonka Bean"],
        "accords": ["gourmand", "amber", "fruity", "warm spicy", "woody"],
        "sizes_ml": [1, 2, 5],
        "price_per_ml_cents": 780,
        "bottle_ml": 50,
        "bottle_cost_cents": 15500,
        "stock": "low",
        "palette": ["#5b1a1a", "#c77d3a"],
    },
    # --- Lanternwick -----------------------------------------------------------------------
    {
        "slug": "cabane-a-sucre",
        "name": "Cabane à Sucre",
        "brand": "Lanternwick",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2018,
        "perfumer": "Owen Achterberg",
        "description": (
            "A sugar shack in March, sap boiling down to syrup over a wood fire. Immortelle "
            "and maple give the syrup, birch tar the smoke, vanilla and tonka the pancake "
            "breakfast."
        ),
        "top_notes": ["Mandarin", "Cardamom"],
        "heart_notes": ["Maple", "Immortelle"],
        "base_notes": ["Birch Tar", "Vanilla", "Tonka Bean"],
        "accords": ["gourmand", "smoky", "vanilla"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 310,
        "bottle_ml": 100,
        "bottle_cost_cents": 12200,
        "stock": "normal",
        "palette": ["#a0522d", "#f0c987"],
    },
    {
        "slug": "portage",
        "name": "Portage",
        "brand": "Lanternwick",
        "concentration": "Eau de Parfum",
        "gender": "men",
        "launch_year": 2019,
        "perfumer": "Owen Achterberg",
        "description": (
            "Carrying a canoe between two lakes through balsam fir and juniper. Lavender "
            "adds an aromatic edge, oakmoss and vetiver the damp forest floor."
        ),
        "top_notes": ["Juniper", "Grapefruit"],
        "heart_notes": ["Fir Balsam", "Lavender"],
        "base_notes": ["Cedarwood", "Vetiver", "Oakmoss"],
        "accords": ["green", "aromatic", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 290,
        "bottle_ml": 100,
        "bottle_cost_cents": 11400,
        "stock": "normal",
        "palette": ["#2e5e4e", "#9ab8a8"],
    },
    {
        "slug": "first-snowfall",
        "name": "First Snowfall",
        "brand": "Lanternwick",
        "concentration": "Eau de Toilette",
        "gender": "unisex",
        "launch_year": 2021,
        "perfumer": "Clara Lindqvist",
        "description": (
            "The hush after the first snow: frosty aldehydes, a bite of cold pear, powdery "
            "violet. Musks and cashmeran wrap it up like a wool blanket."
        ),
        "top_notes": ["Aldehydes", "Pear"],
        "heart_notes": ["Violet", "Orris Butter"],
        "base_notes": ["White Musk", "Cashmeran"],
        "accords": ["musky", "powdery", "fruity"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 250,
        "bottle_ml": 100,
        "bottle_cost_cents": 9800,
        "stock": "normal",
        "palette": ["#e8eef5", "#b3c2d6"],
    },
    {
        "slug": "campfire-letters",
        "name": "Campfire Letters",
        "brand": "Lanternwick",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2023,
        "perfumer": "Owen Achterberg",
        "description": (
            "Old letters curling into a campfire: papyrus, birch smoke and a spark of clove. "
            "Guaiac wood and labdanum make the embers glow, vanilla hints at marshmallows."
        ),
        "top_notes": ["Black Pepper", "Clove"],
        "heart_notes": ["Papyrus", "Birch Tar"],
        "base_notes": ["Guaiac Wood", "Labdanum", "Vanilla"],
        "accords": ["smoky", "woody", "amber", "warm spicy"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 330,
        "bottle_ml": 100,
        "bottle_cost_cents": 13000,
        "stock": "normal",
        "palette": ["#3e2c23", "#e07a3a"],
    },
    # --- Bayt al-Ward ----------------------------------------------------------------------
    {
        "slug": "oud-qamar",
        "name": "Oud Qamar",
        "brand": "Bayt al-Ward",
        "concentration": "Extrait de Parfum",
        "gender": "unisex",
        "launch_year": 2008,
        "perfumer": "Noor Al-Sabti",
        "description": (
            "Moonlit oud: barnyard-dark agarwood softened by a deep red rose. Saffron and "
            "cardamom open it, sandalwood and patchouli make the base. One spray is enough."
        ),
        "top_notes": ["Saffron", "Cardamom"],
        "heart_notes": ["Oud", "Rose"],
        "base_notes": ["Sandalwood", "Patchouli", "White Musk"],
        "accords": ["oud", "rose", "warm spicy", "woody"],
        "sizes_ml": [1, 2, 5],
        "price_per_ml_cents": 1200,
        "bottle_ml": 50,
        "bottle_cost_cents": 26000,
        "stock": "low",
        "palette": ["#2a1b3d", "#b8860b"],
    },
    {
        "slug": "layali-ambar",
        "name": "Layali Ambar",
        "brand": "Bayt al-Ward",
        "concentration": "Parfum",
        "gender": "unisex",
        "launch_year": 2010,
        "perfumer": "Noor Al-Sabti",
        "description": (
            "Desert nights in amber: labdanum, rose and a slow river of vanilla. A thread "
            "of oud keeps it from becoming a dessert. Warm, enveloping and built to last "
            "through a long evening."
        ),
        "top_notes": ["Bergamot", "Pink Pepper"],
        "heart_notes": ["Labdanum", "Rose"],
        "base_notes": ["Vanilla", "Benzoin", "Oud"],
        "accords": ["amber", "vanilla", "rose", "oud"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 680,
        "bottle_ml": 75,
        "bottle_cost_cents": 20000,
        "stock": "normal",
        "palette": ["#8b4513", "#f3c178"],
    },
    {
        "slug": "misk-abyad",
        "name": "Misk Abyad",
        "brand": "Bayt al-Ward",
        "concentration": "Eau de Parfum",
        "gender": "women",
        "launch_year": 2013,
        "perfumer": "Noor Al-Sabti",
        "description": (
            "A soft cloud of white musk in the Gulf style, laced with jasmine and rose. "
            "Aldehydes make it sparkle at first, sandalwood makes it creamy. Smells "
            "like freshly washed skin, only better."
        ),
        "top_notes": ["Mandarin", "Aldehydes"],
        "heart_notes": ["Jasmine", "Rose"],
        "base_notes": ["White Musk", "Sandalwood", "Ambroxan"],
        "accords": ["musky", "white floral", "powdery"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 400,
        "bottle_ml": 100,
        "bottle_cost_cents": 16000,
        "stock": "normal",
        "palette": ["#fbf8f3", "#e6d3c3"],
    },
    {
        "slug": "dukhan",
        "name": "Dukhan",
        "brand": "Bayt al-Ward",
        "concentration": "Parfum",
        "gender": "men",
        "launch_year": 2017,
        "perfumer": "Karim Haddad",
        "description": (
            "Bakhoor smoke drifting through a majlis: frankincense and myrrh over oud chips "
            "and polished leather. Black pepper and saffron spark on top. Dense, dark and "
            "regal."
        ),
        "top_notes": ["Saffron", "Black Pepper"],
        "heart_notes": ["Frankincense", "Myrrh"],
        "base_notes": ["Oud", "Leather", "Sandalwood"],
        "accords": ["smoky", "oud", "leather", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 720,
        "bottle_ml": 75,
        "bottle_cost_cents": 21500,
        "stock": "normal",
        "palette": ["#241a14", "#9c6b3c"],
    },
    # --- Ysolde Marek ----------------------------------------------------------------------
    {
        "slug": "absint",
        "name": "Absint",
        "brand": "Ysolde Marek",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2019,
        "perfumer": "Ysolde Marek",
        "description": (
            "A glass of absinthe clouding as the water drips in: bitter wormwood, anisic "
            "basil, lavender. Vetiver and oakmoss make it dark green and a little wild."
        ),
        "top_notes": ["Wormwood", "Basil"],
        "heart_notes": ["Lavender", "Clary Sage"],
        "base_notes": ["Vetiver", "Oakmoss"],
        "accords": ["aromatic", "green", "fresh spicy", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 360,
        "bottle_ml": 75,
        "bottle_cost_cents": 10800,
        "stock": "normal",
        "palette": ["#7fae3e", "#d9e8b0"],
    },
    {
        "slug": "svestka",
        "name": "Švestka",
        "brand": "Ysolde Marek",
        "concentration": "Eau de Parfum",
        "gender": "women",
        "launch_year": 2020,
        "perfumer": "Ysolde Marek",
        "description": (
            "Grandmother's plum dumplings: dark, juicy plums with clove and a spoonful of "
            "rose jam. Patchouli and tonka give it a velvety, chypre-like depth."
        ),
        "top_notes": ["Plum", "Pink Pepper"],
        "heart_notes": ["Rose", "Clove"],
        "base_notes": ["Patchouli", "Tonka Bean", "Vanilla"],
        "accords": ["fruity", "rose", "warm spicy", "vanilla"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 370,
        "bottle_ml": 75,
        "bottle_cost_cents": 11000,
        "stock": "low",
        "palette": ["#4b1f4f", "#c46f8e"],
    },
    {
        "slug": "sklarna",
        "name": "Sklárna",
        "brand": "Ysolde Marek",
        "concentration": "Eau de Toilette",
        "gender": "unisex",
        "launch_year": 2021,
        "perfumer": "Ysolde Marek",
        "description": (
            "The glassworks: hot sand, cold crystal and a spark off the grinding wheel. "
            "Aldehydes and ginger make the sparks, orris the cool polished glass, ambroxan "
            "the warmth of the furnace."
        ),
        "top_notes": ["Aldehydes", "Bergamot"],
        "heart_notes": ["Orris Butter", "Ginger"],
        "base_notes": ["Ambroxan", "Cashmeran"],
        "accords": ["iris", "fresh spicy", "musky"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 280,
        "bottle_ml": 100,
        "bottle_cost_cents": 11000,
        "stock": "normal",
        "palette": ["#a6d4e3", "#f2f7f9"],
    },
    {
        "slug": "mlha",
        "name": "Mlha",
        "brand": "Ysolde Marek",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2023,
        "perfumer": "Ysolde Marek",
        "description": (
            "River fog over a stone bridge at six in the morning. Black tea and violet give "
            "a grey, powdery haze, suede and vetiver the worn cobbles underfoot."
        ),
        "top_notes": ["Cardamom", "Bergamot"],
        "heart_notes": ["Black Tea", "Violet"],
        "base_notes": ["Suede", "Vetiver", "White Musk"],
        "accords": ["powdery", "leather", "aromatic", "musky"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 380,
        "bottle_ml": 75,
        "bottle_cost_cents": 11200,
        "stock": "normal",
        "palette": ["#9aa0a8", "#dcd8d2"],
    },
    # --- Kompas Parfum ---------------------------------------------------------------------
    {
        "slug": "specerij",
        "name": "Specerij",
        "brand": "Kompas Parfum",
        "concentration": "Eau de Parfum",
        "gender": "men",
        "launch_year": 2016,
        "perfumer": "Tomasz Wierzba",
        "description": (
            "A canal warehouse of the spice trade, sacks of nutmeg and clove stacked to the "
            "rafters. Tobacco leaf adds a honeyed dryness, sandalwood and tonka a smooth "
            "finish."
        ),
        "top_notes": ["Nutmeg", "Cardamom"],
        "heart_notes": ["Clove", "Tobacco"],
        "base_notes": ["Sandalwood", "Tonka Bean", "Benzoin"],
        "accords": ["warm spicy", "woody", "amber"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 310,
        "bottle_ml": 100,
        "bottle_cost_cents": 12300,
        "stock": "normal",
        "palette": ["#8a5a2b", "#e8c48f"],
    },
    {
        "slug": "jenever",
        "name": "Jenever",
        "brand": "Kompas Parfum",
        "concentration": "Eau de Toilette",
        "gender": "unisex",
        "launch_year": 2017,
        "perfumer": "Tomasz Wierzba",
        "description": (
            "Old Dutch gin in a stoneware bottle: juniper berries, lemon peel, cardamom "
            "pods and angelica root. Vetiver keeps it dry. Brisk and grown-up."
        ),
        "top_notes": ["Juniper", "Lemon"],
        "heart_notes": ["Cardamom", "Angelica"],
        "base_notes": ["Vetiver", "White Musk"],
        "accords": ["aromatic", "citrus", "fresh spicy", "green"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 220,
        "bottle_ml": 100,
        "bottle_cost_cents": 8500,
        "stock": "normal",
        "palette": ["#6c8fa3", "#e4ecd9"],
    },
    {
        "slug": "tulpenveld",
        "name": "Tulpenveld",
        "brand": "Kompas Parfum",
        "concentration": "Eau de Toilette",
        "gender": "women",
        "launch_year": 2018,
        "perfumer": "Clara Lindqvist",
        "description": (
            "Stripes of tulips and lily of the valley under a wide April sky. Blackcurrant and "
            "bergamot bring a crisp, juicy green; cedar and musk the clean sandy soil."
        ),
        "top_notes": ["Blackcurrant", "Bergamot"],
        "heart_notes": ["Tulip", "Lily of the Valley"],
        "base_notes": ["White Musk", "Cedarwood"],
        "accords": ["green", "floral", "fruity", "musky"],
        "sizes_ml": [2, 5, 10],
        "price_per_ml_cents": 230,
        "bottle_ml": 100,
        "bottle_cost_cents": 9100,
        "stock": "normal",
        "palette": ["#e8465b", "#9bc48a"],
    },
    {
        "slug": "grachtenlicht",
        "name": "Grachtenlicht",
        "brand": "Kompas Parfum",
        "concentration": "Eau de Parfum",
        "gender": "unisex",
        "launch_year": 2022,
        "perfumer": "Clara Lindqvist",
        "description": (
            "Evening light reflected in a canal, soft and golden. Orris and jasmine form a "
            "luminous floral heart, ambroxan and sandalwood a glowing skin base."
        ),
        "top_notes": ["Bergamot", "Pink Pepper"],
        "heart_notes": ["Orris Butter", "Jasmine"],
        "base_notes": ["Ambroxan", "Sandalwood", "White Musk"],
        "accords": ["iris", "white floral", "musky", "woody"],
        "sizes_ml": [1, 2, 5, 10],
        "price_per_ml_cents": 380,
        "bottle_ml": 100,
        "bottle_cost_cents": 15000,
        "stock": "normal",
        "palette": ["#f2c57c", "#6a7fb3"],
    },
]

DISCOUNT_CODES: list[dict[str, Any]] = [
    {
        "code": "WELCOME10",
        "kind": "percent",
        "value": 10,
        "min_subtotal_cents": 0,
        "max_uses": None,
        "expires_in_days": 365,
    },
    {
        "code": "SNIFF5",
        "kind": "amount",
        "value": 500,
        "min_subtotal_cents": 3000,
        "max_uses": None,
        "expires_in_days": 180,
    },
    {
        "code": "FIRSTFIFTY",
        "kind": "percent",
        "value": 20,
        "min_subtotal_cents": 2000,
        "max_uses": 50,
        "expires_in_days": 60,
    },
]

# Curated discovery sets: the owner's picks, priced `off_percent` below their samples.
CURATED_SETS: list[dict[str, Any]] = [
    {
        "slug": "bright-mornings",
        "name": "Bright mornings",
        "description": "Four sunny citrus and white-floral scents for the first warm days.",
        "off_percent": 20,
        "samples": [
            ("limonaia", 2),
            ("yuzu-no-yu", 2),
            ("rue-des-tilleuls", 2),
            ("jasmin-solaire", 2),
        ],
    },
    {
        "slug": "smoke-and-amber",
        "name": "Smoke and amber evenings",
        "description": "Resins, woods and a campfire: four warm scents for long evenings.",
        "off_percent": 20,
        "samples": [("koboku", 2), ("riad-ambre", 2), ("campfire-letters", 2), ("layali-ambar", 2)],
    },
]
