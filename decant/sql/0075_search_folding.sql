-- Search that ignores case and accents: "tuber" finds "Tubéreuse", "oud" every oud.
--
-- decant_fold() is the database's copy of decant.search_text.fold(): lowercase, accents
-- off, the letters that do not decompose spelled out (œ -> oe). unaccent is an
-- extension the embedded server and many hosted databases do not ship, and it is not
-- immutable, so a generated column could not use it; translate() is both. The
-- letter tables below were generated from Python's fold() over Latin-1, Latin
-- Extended-A/B and Latin Extended Additional; tests/test_search_text.py checks the
-- two agree letter by letter.
--
-- products.search_words holds the folded words of name, house and notes (only those:
-- the static index in the build and /search use the same three), for prefix queries
-- ('tuber:*') through a GIN index.

CREATE FUNCTION decant_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
SET search_path = public, pg_catalog AS $$
    SELECT lower(translate(
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(value
            , 'Æ', 'ae')
            , 'Þ', 'th')
            , 'ß', 'ss')
            , 'æ', 'ae')
            , 'þ', 'th')
            , 'Ĳ', 'ij')
            , 'ĳ', 'ij')
            , 'Ŀ', 'l·')
            , 'ŀ', 'l·')
            , 'ŉ', 'ʼn')
            , 'Œ', 'oe')
            , 'œ', 'oe')
            , 'Ǆ', 'dz')
            , 'ǅ', 'dz')
            , 'ǆ', 'dz')
            , 'Ǉ', 'lj')
            , 'ǈ', 'lj')
            , 'ǉ', 'lj')
            , 'Ǌ', 'nj')
            , 'ǋ', 'nj')
            , 'ǌ', 'nj')
            , 'Ǣ', 'ae')
            , 'ǣ', 'ae')
            , 'Ǳ', 'dz')
            , 'ǲ', 'dz')
            , 'ǳ', 'dz')
            , 'Ǽ', 'ae')
            , 'ǽ', 'ae')
            , 'ẚ', 'aʾ')
            , 'ẞ', 'ss'),
        'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïðñòóôõöøùúûüýÿĀāĂ'
           || 'ăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃ'
           || 'ńŅņŇňŊŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƁƂƄƆƇ'
           || 'ƉƊƋƎƏƐƑƓƔƖƗƘƜƝƟƠơƢƤƦƧƩƬƮƯưƱƲƳƵƷƸƼǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǤǦǧǨǩǪǫ'
           || 'ǬǭǮǯǰǴǵǶǷǸǹǺǻǾǿȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȜȞȟȠȢȤȦȧȨȩȪȫȬȭȮȯȰ'
           || 'ȱȲȳȺȻȽȾɁɃɄɅɆɈɊɌɎḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫ'
           || 'ḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧ'
           || 'ṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẛẠạẢảẤấẦầẨ'
           || 'ẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤ'
           || 'ụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹỺỼỾ'
           -- combining accents (0300-036F) have no counterpart: translate() drops them
           || '̴̵̶̷̸̡̢̧̨̛̖̗̘̙̜̝̞̟̠̣̤̥̦̩̪̫̬̭̮̯̰̱̲̳̹̺̻̀́̂̃̄̅̆̇̈̉̊̋̌̍̎̏̐̑̒̓̔̕̚'
           || '̼͇͈͉͍͎̽̾̿̀́͂̓̈́͆͊͋͌ͅ͏͓͔͕͖͙͚͐͑͒͗͛ͣͤͥͦͧͨͩͪͫͬͭͮͯ͘͜͟͢͝͞͠͡',
        'aaaaaaceeeeiiiidnoooooouuuuyaaaaaaceeeeiiiidnoooooouuuuyyaaa'
           || 'aaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiijjkklllllllln'
           || 'nnnnnŋoooooorrrrrrssssssssttttŧuuuuuuuuuuuuwwyyyzzzzzzsɓƃƅɔƈ'
           || 'ɖɗƌǝəɛƒɠɣɩɨƙɯɲɵooƣƥʀƨʃƭʈuuʊʋƴƶʒƹƽaaiioouuuuuuuuuuaaaaǥggkkoo'
           || 'ooʒʒjggƕƿnnaaooaaaaeeeeiiiioooorrrruuuussttȝhhƞȣȥaaeeooooooo'
           || 'oyyⱥȼƚⱦɂƀʉʌɇɉɋɍɏaabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhh'
           || 'iiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssss'
           || 'ssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwysaaaaaaaaa'
           || 'aaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooou'
           || 'uuuuuuuuuuuuuyyyyyyyyỻỽỿ'))
$$;

CREATE FUNCTION decant_search_words(name text, brand text, notes text[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = public, pg_catalog AS $$
    SELECT to_tsvector('simple'::regconfig, regexp_replace(
        decant_fold(coalesce(name, '') || ' ' || coalesce(brand, '') || ' ' || decant_join(notes)),
        '[^a-z0-9]+', ' ', 'g'))
$$;

ALTER TABLE products ADD COLUMN search_words tsvector
    GENERATED ALWAYS AS (decant_search_words(name, brand, top_notes || heart_notes || base_notes)) STORED;

CREATE INDEX products_search_words ON products USING gin (search_words);
