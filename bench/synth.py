"""Synthetic Vietnamese OCOP products for the search benchmark, deterministic by seed.

`generate(n, seed)` returns `n` plain dicts (no database needed) shaped like the fields the search index
reads: name, description, producer name/kind, commune, province, group code, stars (3-5 or None), price,
stock, created date. Names are built from real OCOP product words and the places they come from
("Hạt dẻ Trùng Khánh rang củi", "Miến dong Bình Liêu", "Cà phê Robusta Buôn Ma Thuột"), with the same
product made by many households and cooperatives across the 34 provinces, so that a query can be selective
("hạt dẻ trùng khánh": a few hundred hits per 100,000) or broad ("che", "san pham": tens of thousands).
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocop_market.places import PROVINCES_2025  # noqa: E402  (pure data; importing it needs no app)
from ocop_market.text import slugify  # noqa: E402

PROVINCE_NAMES = dict(PROVINCES_2025)
PROVINCE_SLUGS = {code: slugify(name) for code, name in PROVINCES_2025}  # as reference.py seeds them
GROUPS = ["food", "drinks", "herbal", "handicraft", "ornamental", "tourism"]

# Communes (xã / phường) and well-known localities per province; enough to give each place a voice.
COMMUNES = {
    "HN": ["Bát Tràng", "Vạn Phúc", "Phú Vinh", "Đông Anh", "Sóc Sơn", "Ba Vì", "Mỹ Đức", "Nhật Tân", "Phúc Thọ"],
    "HCM": ["Củ Chi", "Cần Giờ", "Bình Chánh", "Hóc Môn", "Long Hải", "Bà Rịa"],
    "HP": ["Chu Đậu", "Thủy Nguyên", "Tiên Lãng", "Cát Hải", "Thanh Hà", "Kinh Môn"],
    "DN": ["Hòa Vang", "Hội An", "Cẩm Thanh", "Trà My", "Điện Bàn"],
    "CT": ["Phong Điền", "Cái Răng", "Mỹ Xuyên", "Vĩnh Châu", "Ngã Bảy", "Long Mỹ"],
    "HUE": ["Phú Vang", "Hương Trà", "Thủy Xuân", "Phong Điền", "A Lưới"],
    "CB": ["Trùng Khánh", "Hạ Lang", "Quảng Hòa", "Nguyên Bình", "Bảo Lạc", "Phục Hòa"],
    "LS": ["Mẫu Sơn", "Bắc Sơn", "Lộc Bình", "Văn Quan", "Tràng Định"],
    "LC": ["Bát Xát", "Sa Pa", "Bắc Hà", "Mường Khương", "Văn Bàn", "Mù Cang Chải", "Trạm Tấu"],
    "TQ": ["Đồng Văn", "Mèo Vạc", "Hoàng Su Phì", "Na Hang", "Hàm Yên", "Bắc Quang", "Quản Bạ"],
    "TN": ["Tân Cương", "Đại Từ", "Phú Lương", "Định Hóa", "Ba Bể", "Chợ Đồn"],
    "PT": ["Cao Phong", "Thanh Sơn", "Tân Sơn", "Mai Châu", "Tam Đảo", "Đoan Hùng"],
    "BN": ["Đông Hồ", "Lục Ngạn", "Thuận Thành", "Yên Thế", "Tiên Du"],
    "HY": ["Khoái Châu", "Văn Giang", "Phố Hiến", "Tiền Hải", "Kiến Xương"],
    "NB": ["Kim Sơn", "Hoa Lư", "Nho Quan", "Ý Yên", "Lý Nhân"],
    "QN": ["Bình Liêu", "Hạ Long", "Vân Đồn", "Đông Triều", "Tiên Yên", "Đầm Hà"],
    "DB": ["Mường Ảng", "Tủa Chùa", "Mường Nhé", "Điện Biên Đông", "Thanh Nưa"],
    "LCH": ["Tam Đường", "Sìn Hồ", "Phong Thổ", "Than Uyên", "Mường Tè"],
    "SL": ["Mộc Châu", "Vân Hồ", "Bắc Yên", "Mai Sơn", "Thuận Châu", "Tà Xùa"],
    "TH": ["Như Thanh", "Thọ Xuân", "Bá Thước", "Quan Sơn", "Ngọc Lặc", "Hoằng Hóa"],
    "NA": ["Quỳ Hợp", "Nghĩa Đàn", "Con Cuông", "Kỳ Sơn", "Nam Đàn"],
    "HT": ["Hương Sơn", "Vũ Quang", "Phúc Trạch", "Can Lộc", "Thạch Hà"],
    "QT": ["Khe Sanh", "Hướng Hóa", "Bố Trạch", "Tuyên Hóa", "Lệ Thủy"],
    "QNG": ["Lý Sơn", "Ngọc Linh", "Tu Mơ Rông", "Đăk Tô", "Mộ Đức", "Sơn Tây"],
    "GL": ["Chư Sê", "Đăk Đoa", "Mang Yang", "Bàu Đá", "An Nhơn", "Tuy Phước"],
    "KH": ["Ninh Hòa", "Cam Lâm", "Vạn Ninh", "Ninh Phước", "Phan Rang"],
    "LD": ["Bảo Lộc", "Cầu Đất", "Lạc Dương", "Di Linh", "Đơn Dương", "Phan Thiết"],
    "DL": ["Buôn Ma Thuột", "Cư M'gar", "Krông Pắc", "Buôn Đôn", "Ea H'leo", "Tuy An"],
    "DNA": ["Bù Đăng", "Xuân Lộc", "Long Khánh", "Bình Phước", "Định Quán"],
    "TNI": ["Hòa Thành", "Gò Dầu", "Trảng Bàng", "Cần Giuộc", "Đức Hòa"],
    "VL": ["Cái Mơn", "Mỏ Cày", "Tam Bình", "Cầu Kè", "Trà Cú"],
    "DT": ["Sa Đéc", "Lấp Vò", "Cao Lãnh", "Cái Bè", "Gò Công", "Tháp Mười"],
    "CM": ["Năm Căn", "Ngọc Hiển", "Đầm Dơi", "U Minh", "Giá Rai"],
    "AG": ["Tri Tôn", "Tịnh Biên", "Phú Quốc", "Châu Đốc", "Rạch Giá"],
}

# Product kinds: (base name, group, home places (province, commune or None), variants, unit, price range VND,
# traits used in descriptions). Home places are where the product is famous; other provinces make it too.
KINDS = [
    ("Hạt dẻ", "food", [("CB", "Trùng Khánh")], ["rang củi", "rang muối", "luộc sẵn", "tươi", "sấy"], "túi 1kg", (120, 250),
     ["hạt to, vỏ mỏng", "vị bùi, thơm", "ngọt đậm"]),
    ("Miến dong", "food", [("QN", "Bình Liêu"), ("CB", "Nguyên Bình"), ("TQ", "Na Hang")], ["sợi nhỏ", "sợi to", "thủ công", ""],
     "gói 500g", (50, 120), ["sợi dai, trong", "không chất tẩy trắng", "làm từ củ dong riềng"]),
    ("Đường phèn", "food", [("QNG", "Mộ Đức"), ("QNG", "Sơn Tây")], ["nguyên chất", "hạt", "mật mía", "vàng"], "hũ 500g",
     (40, 90), ["kết tinh tự nhiên", "ngọt thanh", "nấu từ mật mía"]),
    ("Mật ong", "food", [("TQ", "Đồng Văn"), ("SL", "Mộc Châu"), ("DL", "Buôn Đôn"), ("CM", "U Minh")],
     ["bạc hà", "hoa nhãn", "rừng", "hoa cà phê", "ruồi", "tràm"], "chai 500ml", (150, 450),
     ["ong nuôi tự nhiên", "sánh, thơm", "không pha đường"]),
    ("Chè shan tuyết", "drinks", [("TQ", "Hoàng Su Phì"), ("LC", "Bắc Hà"), ("SL", "Tà Xùa"), ("TQ", "Na Hang")],
     ["cổ thụ", "búp", "hồng trà", "bạch trà", "ướp hoa"], "hộp 200g", (180, 900),
     ["búp phủ lông trắng", "cây chè cổ thụ trăm năm", "nước vàng sánh, hậu ngọt"]),
    ("Chè Tân Cương", "drinks", [("TN", "Tân Cương"), ("TN", "Đại Từ")], ["móc câu", "đinh", "nõn tôm", "búp"], "gói 200g",
     (120, 700), ["sao bằng chảo gang", "nước xanh, vị chát dịu", "hậu ngọt sâu"]),
    ("Trà hoa vàng", "drinks", [("QN", "Đầm Hà"), ("TQ", "Quản Bạ")], ["sấy lạnh", "nguyên bông", "túi lọc"], "hộp 100g",
     (300, 1500), ["hoa trà vàng quý hiếm", "sấy lạnh giữ màu", "nước vàng óng"]),
    ("Cà phê", "drinks", [("DL", "Buôn Ma Thuột"), ("DL", "Cư M'gar"), ("LD", "Cầu Đất"), ("QT", "Khe Sanh"), ("LD", "Di Linh")],
     ["Robusta rang xay", "Arabica", "hạt rang mộc", "phin giấy", "chồn", "Culi", "hòa tan"], "gói 500g", (90, 600),
     ["rang mộc, không tẩm hương liệu", "hậu vị đậm", "chín đỏ, hái tay"]),
    ("Rượu ngô", "drinks", [("TQ", "Bắc Quang"), ("LC", "Bắc Hà"), ("TQ", "Quản Bạ")], ["men lá", "Bản Phố", "ngâm hạ thổ"],
     "chai 500ml", (80, 250), ["nấu bằng men lá", "vị êm, thơm", "ngô bản địa"]),
    ("Rượu táo mèo", "drinks", [("LC", "Mù Cang Chải"), ("LCH", "Sìn Hồ")], ["ngâm", "ủ lâu năm"], "bình 1 lít", (120, 350),
     ["táo mèo rừng", "màu hổ phách", "vị chua chát"]),
    ("Rượu Bàu Đá", "drinks", [("GL", "Bàu Đá"), ("GL", "An Nhơn")], ["truyền thống", "ngâm chuối hột", ""], "chai 500ml",
     (90, 300), ["nấu nước giếng Bàu Đá", "nồng độ cao, êm", "gạo lứt"]),
    ("Rượu nếp cẩm", "drinks", [("DB", "Thanh Nưa"), ("SL", "Mai Sơn")], ["men lá", "hạ thổ"], "chai 500ml", (70, 200),
     ["nếp cẩm nương", "màu đỏ tía", "ngọt dịu"]),
    ("Gạo nếp", "food", [("DB", "Tủa Chùa"), ("LC", "Bắc Hà"), ("TH", "Thọ Xuân")], ["Tú Lệ", "tan", "cái hoa vàng", "cẩm"],
     "túi 2kg", (60, 160), ["dẻo, thơm", "cấy trên ruộng bậc thang", "hạt tròn mẩy"]),
    ("Gạo ST25", "food", [("CT", "Mỹ Xuyên"), ("CT", "Vĩnh Châu")], ["hữu cơ", "tôm lúa", "thơm"], "túi 5kg", (120, 250),
     ["hạt dài, dẻo", "canh tác lúa - tôm", "gạo ngon nhất thế giới"]),
    ("Thịt trâu gác bếp", "food", [("SL", "Thuận Châu"), ("DB", "Mường Ảng"), ("LC", "Văn Bàn")], ["hun khói", "tẩm mắc khén", ""],
     "túi 500g", (380, 650), ["tẩm mắc khén, hạt dổi", "hun khói bếp củi", "thớ thịt dai"]),
    ("Lạp xưởng", "food", [("VL", "Cầu Kè"), ("DT", "Cao Lãnh")], ["tôm", "mai quế lộ", "tươi"], "gói 500g", (110, 220),
     ["thịt heo sạch", "phơi nắng", "vị ngọt vừa"]),
    ("Nước mắm", "food", [("AG", "Phú Quốc"), ("KH", "Vạn Ninh"), ("QN", "Vân Đồn")], ["cá cơm", "nhĩ", "40 độ đạm", "rươi"],
     "chai 500ml", (60, 250), ["ủ chượp thùng gỗ", "cá cơm tươi", "đạm cao"]),
    ("Bánh chưng", "food", [("HN", "Phúc Thọ"), ("PT", "Đoan Hùng")], ["Tranh Khúc", "gấc", "nếp cẩm"], "chiếc", (60, 150),
     ["lá dong xanh", "nhân đậu xanh, thịt ba chỉ", "gói tay"]),
    ("Cốm", "food", [("HN", "Phú Vinh")], ["làng Vòng", "lá sen", "xào"], "gói 300g", (80, 200),
     ["lúa nếp non", "giã tay", "gói lá sen"]),
    ("Măng khô", "food", [("TQ", "Hàm Yên"), ("LS", "Bắc Sơn"), ("TH", "Quan Sơn")], ["nứa", "lưỡi lợn", "vầu"], "túi 500g",
     (120, 300), ["măng rừng", "phơi gác bếp", "giòn, ngọt"]),
    ("Mắc khén", "herbal", [("SL", "Bắc Yên"), ("LC", "Bát Xát")], ["rừng", "xay"], "hũ 100g", (60, 160),
     ["hạt tiêu rừng", "thơm cay tê", "gia vị người Thái"]),
    ("Hạt điều", "food", [("DNA", "Bù Đăng"), ("DNA", "Bình Phước")], ["rang muối", "vỏ lụa", "tươi"], "hũ 500g", (150, 320),
     ["hạt to, giòn", "rang củi", "không chất bảo quản"]),
    ("Hồ tiêu", "food", [("GL", "Chư Sê"), ("DNA", "Bù Đăng")], ["đen", "sọ trắng", "xay"], "hũ 200g", (50, 150),
     ["chín đỏ", "cay nồng", "canh tác hữu cơ"]),
    ("Kẹo dừa", "food", [("VL", "Mỏ Cày")], ["sữa", "lá dứa", "sầu riêng"], "hộp 400g", (40, 100),
     ["cơm dừa tươi", "kéo tay", "béo ngậy"]),
    ("Bưởi", "food", [("HN", "Phúc Thọ"), ("VL", "Tam Bình"), ("DN", "Hòa Vang")], ["Diễn", "da xanh", "Phúc Trạch"], "quả",
     (40, 120), ["múi mọng", "vị ngọt thanh", "vỏ mỏng"]),
    ("Vải thiều", "food", [("BN", "Lục Ngạn"), ("HY", "Phố Hiến")], ["tươi", "sấy khô", "Thanh Hà"], "thùng 5kg",
     (150, 400), ["cùi dày, hạt lép", "ngọt đậm", "VietGAP"]),
    ("Nhãn lồng", "food", [("HY", "Phố Hiến"), ("HY", "Khoái Châu")], ["tươi", "sấy"], "túi 1kg", (60, 180),
     ["cùi dày", "ngọt sắc", "tiến vua"]),
    ("Cam", "food", [("PT", "Cao Phong"), ("HT", "Vũ Quang"), ("NA", "Nghĩa Đàn")], ["Cao Phong", "Vinh", "bù"], "thùng 5kg",
     (100, 300), ["mọng nước", "ngọt đậm", "vỏ mỏng"]),
    ("Chả mực", "food", [("QN", "Hạ Long")], ["giã tay", "chiên"], "gói 500g", (250, 450),
     ["mực tươi vịnh Hạ Long", "giã tay bằng cối đá", "dai giòn"]),
    ("Tỏi", "food", [("QNG", "Lý Sơn")], ["cô đơn", "đen", "ngâm mật ong"], "túi 500g", (80, 400),
     ["tép nhỏ, thơm", "trồng trên cát núi lửa", "cay nồng"]),
    ("Nem chua", "food", [("TH", "Hoằng Hóa")], ["Thanh Hóa", "lá ổi", ""], "chục", (50, 120),
     ["thịt nạc tươi", "gói lá chuối", "chua dịu"]),
    ("Tôm khô", "food", [("CM", "Năm Căn"), ("CM", "Đầm Dơi")], ["Cà Mau", "đất", ""], "túi 500g", (300, 700),
     ["tôm đất tự nhiên", "phơi nắng", "ngọt thịt"]),
    ("Bánh pía", "food", [("CT", "Vĩnh Châu")], ["sầu riêng", "đậu xanh", "trứng muối"], "hộp 4 cái", (50, 120),
     ["vỏ ngàn lớp", "nhân sầu riêng", "béo thơm"]),
    ("Tương bần", "food", [("HY", "Phố Hiến")], ["truyền thống"], "chai 500ml", (30, 70), ["đậu tương, xôi nếp", "ủ chum"]),
    ("Bột sắn dây", "food", [("HY", "Khoái Châu"), ("TH", "Như Thanh")], ["nguyên chất", "lọc kỹ"], "túi 500g", (90, 180),
     ["thanh nhiệt", "lọc nhiều lần", "trắng mịn"]),
    ("Sâm Ngọc Linh", "herbal", [("QNG", "Ngọc Linh"), ("QNG", "Tu Mơ Rông")], ["tươi", "ngâm mật ong", "cao", "trà"],
     "hộp", (800, 15000), ["sâm quý vùng núi Ngọc Linh", "trồng dưới tán rừng", "bồi bổ sức khỏe"]),
    ("Tinh dầu quế", "herbal", [("LC", "Văn Bàn"), ("TH", "Bá Thước")], ["nguyên chất", "xịt phòng"], "lọ 50ml", (80, 250),
     ["chưng cất", "thơm ấm", "đuổi muỗi"]),
    ("Tinh dầu sả chanh", "herbal", [("NB", "Nho Quan"), ("LD", "Đơn Dương")], ["nguyên chất", "xịt muỗi"], "lọ 50ml",
     (60, 180), ["chưng cất hơi nước", "thơm mát", "khử mùi"]),
    ("Trà giảo cổ lam", "herbal", [("PT", "Thanh Sơn"), ("TQ", "Mèo Vạc")], ["5 lá", "túi lọc", "khô"], "hộp 250g",
     (100, 300), ["giảm mỡ máu", "thảo dược vùng cao", "vị đắng nhẹ, hậu ngọt"]),
    ("Trà atiso", "herbal", [("LD", "Lạc Dương"), ("LD", "Đơn Dương")], ["túi lọc", "cao", "bông khô"], "hộp 100g",
     (60, 250), ["mát gan", "atiso Đà Lạt", "thanh nhiệt"]),
    ("Tinh bột nghệ", "herbal", [("HY", "Khoái Châu"), ("NA", "Con Cuông")], ["vàng", "đỏ", "mật ong"], "hũ 500g",
     (150, 400), ["nghệ vàng", "lọc bỏ tinh dầu", "tốt cho dạ dày"]),
    ("Đông trùng hạ thảo", "herbal", [("HN", "Sóc Sơn"), ("LD", "Lạc Dương")], ["sấy thăng hoa", "ngâm mật ong", "trà"],
     "hộp 10g", (400, 3000), ["nuôi cấy trong phòng sạch", "bồi bổ", "sấy thăng hoa"]),
    ("Cao dây thìa canh", "herbal", [("NB", "Hoa Lư")], ["nguyên chất", "túi lọc"], "hộp", (150, 350),
     ["hỗ trợ tiểu đường", "dược liệu sạch"]),
    ("Tam thất", "herbal", [("LC", "Mường Khương"), ("TQ", "Hoàng Su Phì")], ["củ", "bột", "hoa"], "hộp 200g", (300, 2000),
     ["tam thất bắc", "trồng trên núi cao", "bổ máu"]),
    ("Mây tre đan", "handicraft", [("HN", "Phú Vinh"), ("TH", "Ngọc Lặc"), ("VL", "Tam Bình")], ["giỏ", "khay", "đèn", "hộp"],
     "chiếc", (80, 600), ["đan tay", "mây rừng", "chống mốc tự nhiên"]),
    ("Gốm Bát Tràng", "handicraft", [("HN", "Bát Tràng")], ["men lam", "men rạn", "bình hoa", "bộ ấm chén"], "bộ", (200, 3000),
     ["men vẽ tay", "nung lò ga", "làng gốm năm trăm năm"]),
    ("Gốm Chu Đậu", "handicraft", [("HP", "Chu Đậu")], ["bình", "đĩa", "lọ"], "chiếc", (300, 5000),
     ["men lam cổ", "vẽ tay tinh xảo"]),
    ("Lụa Vạn Phúc", "handicraft", [("HN", "Vạn Phúc")], ["tơ tằm", "khăn", "áo dài"], "mét", (250, 1200),
     ["dệt thủ công", "tơ tằm tự nhiên", "hoa văn truyền thống"]),
    ("Thổ cẩm", "handicraft", [("SL", "Mai Sơn"), ("DB", "Điện Biên Đông"), ("LC", "Sa Pa")], ["túi", "khăn", "váy", "ví"], "chiếc",
     (100, 900), ["dệt tay của phụ nữ Thái", "nhuộm chàm", "hoa văn Mông"]),
    ("Chiếu cói", "handicraft", [("NB", "Kim Sơn")], ["in hoa", "trơn", "đôi"], "chiếc", (150, 500),
     ["cói Kim Sơn", "dệt máy thủ công", "mát, bền"]),
    ("Nón lá", "handicraft", [("HUE", "Phú Vang"), ("HUE", "Hương Trà")], ["bài thơ", "lá dứa", ""], "chiếc", (60, 250),
     ["chằm tay 16 vành", "lá non phơi sương"]),
    ("Tranh Đông Hồ", "handicraft", [("BN", "Đông Hồ")], ["đám cưới chuột", "lợn đàn", "gà"], "bức", (80, 500),
     ["giấy điệp", "in khắc gỗ", "màu tự nhiên"]),
    ("Túi lục bình", "handicraft", [("DT", "Cao Lãnh"), ("NB", "Kim Sơn")], ["xách tay", "đan", ""], "chiếc", (120, 450),
     ["lục bình phơi khô", "đan tay"]),
    ("Lan hồ điệp", "ornamental", [("HN", "Đông Anh"), ("LD", "Bảo Lộc")], ["chậu 5 cành", "trắng", "tím"],
     "chậu", (500, 5000), ["hoa bền 3 tháng", "chăm sóc nhà kính"]),
    ("Đào Nhật Tân", "ornamental", [("HN", "Nhật Tân")], ["thế", "cành", "bích"], "cây", (300, 8000),
     ["đào phai", "hoa kép đỏ thắm"]),
    ("Quất cảnh", "ornamental", [("HN", "Đông Anh"), ("HY", "Văn Giang")], ["thế", "chậu", "bonsai"], "chậu", (300, 3000),
     ["quả vàng đều", "dáng đẹp"]),
    ("Mai vàng", "ornamental", [("GL", "An Nhơn"), ("DT", "Sa Đéc")], ["bonsai", "giảo", "Yên Tử"], "chậu", (500, 20000),
     ["hoa nở đúng Tết", "gốc lâu năm"]),
    ("Hoa Sa Đéc", "ornamental", [("DT", "Sa Đéc")], ["cúc mâm xôi", "hồng", "giấy"], "chậu", (80, 600),
     ["làng hoa trăm năm", "hoa tươi lâu"]),
    ("Bonsai", "ornamental", [("HN", "Phúc Thọ"), ("VL", "Cái Mơn")], ["sam hương", "linh sam", "tùng"], "chậu", (500, 30000),
     ["dáng thế cổ", "tạo tác nhiều năm"]),
    ("Homestay", "tourism", [("SL", "Mộc Châu"), ("LC", "Sa Pa"), ("TQ", "Hoàng Su Phì"), ("TN", "Ba Bể")],
     ["nhà sàn", "bản", "view ruộng bậc thang"], "đêm", (250, 1500), ["nhà sàn người Thái", "ẩm thực bản địa", "đón khách"]),
    ("Du lịch cộng đồng", "tourism", [("TQ", "Quản Bạ"), ("CB", "Trùng Khánh"), ("DN", "Cẩm Thanh"), ("LCH", "Sìn Hồ")],
     ["bản", "làng", "rừng dừa"], "người", (150, 900), ["trải nghiệm làm nông", "văn hóa dân tộc", "điểm du lịch cộng đồng"]),
    ("Tour trải nghiệm", "tourism", [("NB", "Hoa Lư"), ("HUE", "Thủy Xuân"), ("VL", "Cái Mơn"), ("QN", "Vân Đồn")],
     ["làng nghề", "miệt vườn", "chèo thuyền"], "người", (200, 1500), ["hướng dẫn viên địa phương", "ăn trưa tại nhà dân"]),
]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Lò", "Hà",
          "Nông", "Sùng", "Giàng", "Triệu", "Lục", "Quàng", "Mùa", "Vi", "Đinh"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thị Thu", "Xuân", "Hữu", "Thị Ngọc", "A", "Seo", "Công", "Thanh"]
GIVEN = ["Hùng", "Lan", "Mai", "Tuấn", "Dũng", "Hoa", "Sáng", "Chính", "Thào", "Páo", "Dế", "Hải", "Phương", "Thủy",
         "Hòa", "Khánh", "Đông", "Nga", "Thắng", "Vân", "Tùng", "Sinh", "Chư", "Mỷ"]
KIND_WEIGHTS = [("household", 45), ("cooperative", 35), ("cooperative_group", 8), ("enterprise", 12)]
COOP_WORDS = ["Nông nghiệp", "Dịch vụ nông nghiệp", "Nông lâm nghiệp", "Sản xuất và Thương mại", "Chè", "Dược liệu",
              "Thủ công mỹ nghệ", "Du lịch cộng đồng", "Nông sản sạch"]
BRANDS = ["Sao Việt", "Hương Quê", "Tây Bắc Xanh", "Đất Mẹ", "Núi Rừng", "Việt Phúc", "An Khang", "Miền Sơn Cước",
          "Bản Mường", "Phù Sa", "Mây Trắng", "Kim Long"]

OPENERS = [
    "{name} là sản phẩm OCOP của {producer}, {commune}, {province}.",
    "Sản phẩm {base_l} được {producer} làm theo cách truyền thống của bà con {commune}.",
    "{name} do {producer} sản xuất tại {commune}, tỉnh {province}.",
    "Đặc sản {base_l} {home} nổi tiếng, nay có mặt trên sàn OCOP.",
]
MIDDLES = [
    "Sản phẩm {trait}, {trait2}.",
    "Nguyên liệu được chọn lọc kỹ, {trait}.",
    "Mỗi mẻ đều {trait}; {trait2}.",
    "Người mua khen {trait2}.",
    "Quy trình sản xuất khép kín, an toàn vệ sinh thực phẩm, {trait}.",
]
CLOSERS = [
    "Thích hợp làm quà biếu dịp Tết.",
    "Đóng gói {unit}, giao hàng toàn quốc.",
    "Bảo quản nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp.",
    "Sản phẩm đạt chứng nhận OCOP cấp tỉnh.",
    "Có thể dùng kèm mật ong hoặc pha cùng chè xanh.",
    "Mua nhiều có giá sỉ cho đại lý và cửa hàng đặc sản.",
    "Hàng mới thu hoạch vụ này, số lượng có hạn.",
]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _producer_name(rng: random.Random, kind: str, commune: str, base: str) -> str:
    if kind == "household":
        return f"Hộ kinh doanh {_person(rng)}"
    if kind == "cooperative":
        return f"HTX {rng.choice(COOP_WORDS)} {commune}"
    if kind == "cooperative_group":
        return f"Tổ hợp tác {base.lower()} {commune}"
    return f"Công ty TNHH {rng.choice(BRANDS)} {commune}"


def generate(n: int, seed: int = 42) -> list[dict]:
    """`n` products with ids 1..n. Same (n, seed) -> same products; a smaller n is not a prefix of a larger one."""
    rng = random.Random(seed)
    start = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
    span = int((dt.datetime(2026, 11, 1, tzinfo=dt.UTC) - start).total_seconds())
    province_codes = [c for c, _ in PROVINCES_2025]
    producers: dict[tuple[str, str, str], list[dict]] = {}
    next_producer = 1
    out = []
    kinds, kind_w = zip(*KIND_WEIGHTS, strict=True)
    for i in range(1, n + 1):
        base, group, homes, variants, unit, (pmin, pmax), traits = rng.choice(KINDS)
        if rng.random() < 0.7:
            prov, commune = rng.choice(homes)
        else:
            prov = rng.choice(province_codes)
            commune = rng.choice(COMMUNES[prov])
        home_prov, home_commune = homes[0]
        variant = rng.choice(variants)
        # Name: kind + variant + (usually) a place; the famous place often appears even when made elsewhere.
        place = commune if rng.random() < 0.6 else (home_commune if rng.random() < 0.5 else "")
        parts = [base, variant]
        if place and place.lower() not in base.lower() and place.lower() not in variant.lower():
            parts.append(place)
        if rng.random() < 0.25:
            parts.append(rng.choice(["đặc biệt", "loại 1", "cao cấp", "hộp quà", "túi zip", "truyền thống"]))
        name = " ".join(p for p in parts if p)
        name = name[0].upper() + name[1:]

        key = (prov, commune, group)
        pool = producers.setdefault(key, [])
        if pool and rng.random() < 0.6:
            producer = rng.choice(pool)
        else:
            kind = rng.choices(kinds, kind_w)[0]
            producer = {"id": next_producer, "kind": kind, "name": _producer_name(rng, kind, commune, base)}
            next_producer += 1
            pool.append(producer)

        trait, trait2 = rng.sample(traits, 2) if len(traits) >= 2 else (traits[0], traits[0])
        fmt = {
            "name": name, "producer": producer["name"], "commune": commune, "province": PROVINCE_NAMES[prov],
            "base_l": base[0].lower() + base[1:], "home": home_commune, "trait": trait, "trait2": trait2, "unit": unit,
        }
        sentences = [rng.choice(OPENERS).format(**fmt)]
        sentences += [m.format(**fmt) for m in rng.sample(MIDDLES, rng.randint(1, 2))]
        sentences += [c.format(**fmt) for c in rng.sample(CLOSERS, rng.randint(1, 2))]
        price = rng.randint(pmin, pmax) * 1000
        stars = rng.choices([3, 4, 5, None], [45, 30, 5, 20])[0]
        stock = 0 if rng.random() < 0.15 else rng.randint(1, 500)
        out.append({
            "id": i,
            "slug": f"{slugify(name)}-{i}",
            "name": name,
            "description": " ".join(sentences),
            "unit": unit,
            "price_vnd": price,
            "stock": stock,
            "stars": stars,
            "group": group,
            "province_code": prov,
            "province": PROVINCE_NAMES[prov],
            "province_slug": PROVINCE_SLUGS[prov],
            "commune": commune,
            "producer_id": producer["id"],
            "producer_name": producer["name"],
            "producer_kind": producer["kind"],
            "created_at": start + dt.timedelta(seconds=rng.randrange(span)),
        })
    return out


if __name__ == "__main__":
    import json

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for p in generate(count):
        print(json.dumps(p, ensure_ascii=False, default=str))
